"""What Temporal keeps of an order is no use without the codec: after an order is delivered
and a return refunded, its histories, descriptions and query answers, read from the server
without the codec, hold none of the customer's e-mail, name, address, VAT id or payment
token, and the Web UI's search attributes name the customer by a pseudonym. Through the
codec server (over HTTP, as the Web UI asks it) the customer data is there again, and the
payment token still is not: it never entered Temporal."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.query.v1 import WorkflowQuery
from temporalio.api.workflowservice.v1 import QueryWorkflowRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from contracts.ids import order_workflow_id, return_workflow_id
from domain.pseudonyms import PSEUDONYM_PREFIX
from runtime.payload_codec import ENCODING, KEY_ID
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import delivered_order
from tests.support.codec import CODEC_KEY_ID
from tests.support.keys import api_client
from tests.support.payloads import payloads_in
from worker import build_worker
from workflows.search_attributes import CUSTOMER_ID

EMAIL = "augusta.king@example.org"
NAME = "Augusta Byron-King"
ADDRESS_LINE = "Piazza Segreta 42"
VAT_ID = "IT98765430016"
TOKEN = "tok_private_7f3a9c"
CUSTOMER = {"id": EMAIL, "email": EMAIL, "name": NAME, "vat_id": VAT_ID}
ADDRESS = {"name": NAME, "line1": ADDRESS_LINE, "postal_code": "20121", "city": "Milano", "country": "IT"}
CUSTOMER_DATA = (EMAIL, NAME, ADDRESS_LINE, VAT_ID)


@pytest.fixture(scope="module")
async def shop(dev_env: WorkflowEnvironment, db, settings: Settings):
    """Orders stay open for returns for a day."""
    shop_settings = settings.model_copy(
        update={"task_queue": f"codec-{uuid.uuid4().hex[:6]}", "return_window": timedelta(days=1)}
    )
    app = create_app(shop_settings, Services(shop_settings, dev_env.client, db))
    async with (
        build_worker(dev_env.client, db, shop_settings),
        api_client(app, db) as api,
    ):
        yield api, shop_settings


async def refunded_return(api, settings, sku: str) -> tuple[str, str]:
    """An order delivered to the customer above, and a return of it refunded: their ids."""
    order = await delivered_order(
        api, settings, [(sku, 2)], customer=CUSTOMER, shipping_address=ADDRESS, payment_token=TOKEN
    )
    body = {"reference": "RMA-CODEC", "lines": [{"sku": sku, "quantity": 1, "reason": "damaged"}]}
    requested = await api.post(f"/orders/{order['id']}/returns", json=body)
    assert requested.status_code == 201, requested.text
    return_id = requested.json()["id"]
    for _ in range(200):  # the label is booked right after the request
        if (await api.get(f"/returns/{return_id}")).json()["label_tracking_number"]:
            break
        await asyncio.sleep(0.05)
    receipt = {"warehouse": "MIL", "items": [{"sku": sku, "quantity": 1, "outcome": "resellable"}]}
    received = await api.post(f"/returns/{return_id}/receive", json=receipt)
    assert received.status_code == 200, received.text
    assert received.json()["status"] == "closed" and received.json()["refunded"] != "0.00"
    return order["id"], return_id


async def everything_temporal_keeps(raw: Client, workflow_id: str) -> list[bytes | Payload]:
    """As stored, undecoded: each history event, the description (search attributes, memo,
    summary), and the answer to the Web UI's metadata query (the current details); then
    every payload in them."""
    handle = raw.get_workflow_handle(workflow_id)
    events = list((await handle.fetch_history()).events)
    description = (await handle.describe()).raw_description
    metadata = await raw.workflow_service.query_workflow(
        QueryWorkflowRequest(
            namespace=raw.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id),
            query=WorkflowQuery(query_type="__temporal_workflow_metadata"),
        )
    )
    messages = [*events, description, metadata]
    return [m.SerializeToString() for m in messages] + [p for m in messages for p in payloads_in(m)]


async def decoded(api, payloads: list[Payload]) -> list[Payload]:
    body = {"payloads": [json_format.MessageToDict(p) for p in payloads]}
    answer = await api.post("/codec/decode", json=body, headers={"X-Namespace": "default"})
    assert answer.status_code == 200, answer.text
    return [json_format.ParseDict(p, Payload()) for p in answer.json()["payloads"]]


async def test_temporal_keeps_customer_data_only_encrypted(shop, dev_env: WorkflowEnvironment, catalog):
    api, settings = shop
    order_id, return_id = await refunded_return(api, settings, catalog({"MIL": 5}, price="30.00"))
    raw = await Client.connect(dev_env.client.service_client.config.target_host)  # no codec
    kept = [
        *await everything_temporal_keeps(raw, order_workflow_id(order_id)),
        *await everything_temporal_keeps(raw, return_workflow_id(return_id)),
    ]
    stored = b"".join(k if isinstance(k, bytes) else k.SerializeToString() for k in kept)
    for secret in (*CUSTOMER_DATA, TOKEN):
        assert secret.encode() not in stored, f"{secret} is in Temporal in the clear"

    payloads = [k for k in kept if isinstance(k, Payload)]
    sealed = [p for p in payloads if p.metadata.get("encoding") == ENCODING]
    assert sealed and {p.metadata[KEY_ID] for p in sealed} == {CODEC_KEY_ID.encode()}
    searched = (
        await dev_env.client.get_workflow_handle(order_workflow_id(order_id)).describe()
    ).typed_search_attributes
    assert searched[CUSTOMER_ID].startswith(PSEUDONYM_PREFIX)
    assert searched[CUSTOMER_ID] == settings.customer_search_id(EMAIL)

    opened = b"".join(p.data for p in await decoded(api, payloads))
    for secret in CUSTOMER_DATA:
        assert secret.encode() in opened, f"{secret} is not in the decoded payloads"
    assert TOKEN.encode() not in opened  # never in Temporal, encrypted or not
    assert f"Order {order_id}: delivered".encode() in opened  # the current details, decrypted
