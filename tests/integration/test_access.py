"""Who may do what, over HTTP: every route called with no key, a bad key, each role and a
key of another channel or warehouse answers as starter/http/policy.py says; then the
boundaries a user would try, the actor the audit trail names, and keys and webhook secrets
rotated without a refusal."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.access import Role
from providers import webhook_signature
from settings import Settings
from starter.http.access import GuardedRoute
from starter.http.app import create_app
from starter.http.dependencies import Services
from starter.http.errors import _api_routes
from starter.http.policy import POLICY
from tests.support.api_orders import delivered_order
from tests.support.keys import KeyRing
from worker import build_worker

DENIED = {"unauthenticated", "forbidden"}
OTHER_SCOPE = {Role.CHANNEL: "marketplace", Role.WAREHOUSE: "BER"}
OWN_SCOPE = {Role.CHANNEL: "webshop", Role.WAREHOUSE: "MIL"}


@pytest.fixture(scope="module")
async def shop(dev_env: WorkflowEnvironment, db, settings: Settings):
    """A worker and the app; orders stay open a day after delivery, for returns."""
    shop_settings = settings.model_copy(
        update={"task_queue": f"access-{uuid.uuid4().hex[:6]}", "return_window": timedelta(days=1)}
    )
    app = create_app(shop_settings, Services(shop_settings, dev_env.client, db))
    keys = KeyRing(db)
    transport = httpx.ASGITransport(app=app)
    async with (
        build_worker(dev_env.client, db, shop_settings),
        httpx.AsyncClient(transport=transport, base_url="http://ordino") as api,
    ):
        yield app, api, keys, shop_settings


def code_of(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None  # a page or a PDF
    return body.get("code") if isinstance(body, dict) else None


class As:
    """Requests with one role's key (or none)."""

    def __init__(self, api: httpx.AsyncClient, keys: KeyRing) -> None:
        self.api, self.keys = api, keys

    async def __call__(
        self, role: Role | None, method: str, url: str, scope: str | None = None, **kw
    ) -> httpx.Response:
        headers = {} if role is None else self.keys.header(role, scope)
        return await self.api.request(method, url, headers=headers, **kw)


async def world(api: httpx.AsyncClient, keys: KeyRing, settings: Settings, catalog) -> dict[str, str]:
    """A delivered web shop order from Milan with a return and a credit note."""
    as_ = As(api, keys)
    sku = catalog({"MIL": 5}, price="30.00")
    channel = keys.header(Role.CHANNEL, "webshop")
    order = await delivered_order(_Signed(api, channel, keys), settings, [(sku, 2)])
    returned = await as_(Role.SUPPORT, "POST", f"/orders/{order['id']}/returns", json={
        "reference": "RMA-ACCESS", "lines": [{"sku": sku, "quantity": 1, "reason": "damaged"}]})  # fmt: skip
    assert returned.status_code == 201, returned.text
    goodwill = {"amount": "1.00", "reason": "late parcel", "reference": "GW-ACCESS"}
    refund = await as_(Role.FINANCE, "POST", f"/orders/{order['id']}/refunds", json=goodwill)
    assert refund.status_code == 201, refund.text
    return {
        "order_id": order["id"],
        "return_id": returned.json()["id"],
        "invoice": order["invoices"][0]["number"],
        "credit_note": refund.json()["credit_notes"][0],
        "tracking_number": order["shipments"][0]["tracking_number"],
        "warehouse": "MIL",
        "sku": sku,
        "code": "NO-SUCH-CODE",
        "key_id": "nosuchkey",
        "name": "daily",  # a report
        "alert_id": "999999999",  # none: support's answer is 404, the others' a refusal
    }


class _Signed:
    """The API as the web shop calls it; webhooks go unsigned by a key, as carriers send them."""

    def __init__(self, api: httpx.AsyncClient, header: dict[str, str], keys: KeyRing) -> None:
        self._api, self._header, self._keys = api, header, keys

    async def post(self, url: str, **kw) -> httpx.Response:
        if url.startswith("/webhooks/"):
            return await self._api.post(url, **kw)
        return await self._api.post(url, headers=self._header, **kw)

    async def get(self, url: str, **kw) -> httpx.Response:
        return await self._api.get(url, headers=self._header, **kw)


def url_of(path: str, ids: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "number":
            return ids["credit_note"] if path.startswith("/credit-notes") else ids["invoice"]
        return ids[name]

    return re.sub(r"\{(\w+)\}", one, path)


def body_for(method: str, field: str | None, scope: str | None) -> dict | None:
    """A body that passes the rule and then fails validation: nothing is changed."""
    if method not in ("POST", "PUT", "PATCH"):
        return None
    return {field: scope} if field and scope else {}


async def test_every_route_answers_as_its_rule_says(shop, catalog):
    app, api, keys, settings = shop
    routes = [r for r in _api_routes(app.routes) if isinstance(r, GuardedRoute)]
    assert {(next(iter(r.methods)), r.path) for r in routes} == set(POLICY), "the table lists every route"
    ids = await world(api, keys, settings, catalog)
    as_ = As(api, keys)
    wrong: list[str] = []
    for route in routes:
        (method,) = route.methods
        rule, url = route.rule, url_of(route.path, ids)
        name = f"{method} {route.path}"
        anonymous = await as_(None, method, url, json=body_for(method, rule.body, None))
        if rule.public:
            if code_of(anonymous) in DENIED:
                wrong.append(f"{name}: public, but refused without a key")
            continue
        if code_of(anonymous) != "unauthenticated":
            wrong.append(f"{name}: answered {anonymous.status_code} without a key")
        bad = await api.request(method, url, headers={"authorization": "Bearer ordino_x_y"})
        if code_of(bad) != "unauthenticated":
            wrong.append(f"{name}: answered {bad.status_code} to an unknown key")
        for role in Role:
            scope = OWN_SCOPE.get(role)
            answer = await as_(role, method, url, scope, json=body_for(method, rule.body, scope))
            allowed = role in rule.roles
            if allowed == (code_of(answer) in DENIED):
                wrong.append(f"{name} as {role.value}: {answer.status_code} {code_of(answer)}")
            if allowed and role in OTHER_SCOPE and not rule.listed:
                other = OTHER_SCOPE[role]
                # Another channel's or warehouse's key, for what the path or body says is ours.
                elsewhere = await as_(role, method, url, other, json=body_for(method, rule.body, scope))
                if code_of(elsewhere) != "forbidden":
                    wrong.append(f"{name} as {role.value} of {other}: {elsewhere.status_code}")
    assert wrong == []


async def test_a_channel_reaches_its_own_orders_only(shop, catalog):
    _app, api, keys, _settings = shop
    as_ = As(api, keys)
    sku = catalog({"MIL": 3})
    body = {**_order(sku), "channel": "webshop"}
    placed = await as_(Role.CHANNEL, "POST", "/orders", "webshop", json=body)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    # Another channel's key can neither read it nor place an order in the web shop's name.
    elsewhere = await as_(Role.CHANNEL, "GET", f"/orders/{order_id}", "marketplace")
    assert (elsewhere.status_code, code_of(elsewhere)) == (403, "forbidden")
    forged = await as_(Role.CHANNEL, "POST", "/orders", "marketplace", json={**body, "external_id": "X-1"})
    assert (forged.status_code, code_of(forged)) == (403, "forbidden")
    # Listing: a channel sees its own orders, and may not ask for another's.
    own = (await as_(Role.CHANNEL, "GET", "/orders", "marketplace")).json()
    assert all(o["channel"] == "marketplace" for o in own["items"])
    listed = (await as_(Role.CHANNEL, "GET", "/orders?limit=200", "webshop")).json()["items"]
    assert order_id in {o["id"] for o in listed} and {o["channel"] for o in listed} == {"webshop"}
    asked = await as_(Role.CHANNEL, "GET", "/orders?channel=webshop", "marketplace")
    assert code_of(asked) == "forbidden"
    mine = await as_(Role.CHANNEL, "GET", f"/orders/{order_id}", "webshop")
    assert mine.status_code == 200


def _order(sku: str) -> dict:
    from tests.support.bodies import order_body

    return order_body([(sku, 1)])


async def test_support_refunds_up_to_its_limit_and_finance_above_it(shop, catalog):
    _app, api, keys, settings = shop
    as_ = As(api, keys)
    sku = catalog({"MIL": 2}, price="150.00")
    order = await delivered_order(
        _Signed(api, keys.header(Role.CHANNEL, "webshop"), keys), settings, [(sku, 1)]
    )
    url = f"/orders/{order['id']}/refunds"
    above = {"amount": "120.00", "reason": "parcel arrived late", "reference": "GW-BIG"}
    refused = await as_(Role.SUPPORT, "POST", url, json=above)
    assert (refused.status_code, code_of(refused)) == (403, "forbidden")
    assert refused.json()["details"] == {"limit": str(settings.support_refund_limit), "given": "0"}
    within = await as_(Role.SUPPORT, "POST", url, json={**above, "amount": "20.00", "reference": "GW-SMALL"})
    assert within.status_code == 201, within.text
    # The limit is on the order's goodwill in all: split into smaller refunds, it holds.
    split = await as_(Role.SUPPORT, "POST", url, json={**above, "amount": "90.00", "reference": "GW-SPLIT"})
    assert (code_of(split), split.json()["details"]["given"]) == ("forbidden", "20.00")
    # A body that names a limit of its own is not listened to.
    forged = await as_(Role.SUPPORT, "POST", url, json={**above, "reference": "GW-FORGED", "limit": "9999"})
    assert code_of(forged) == "forbidden"
    granted = await as_(Role.FINANCE, "POST", url, json=above)
    assert granted.status_code == 201, granted.text
    # The audit trail names the keys that did it, whatever a body says.
    timeline = (await as_(Role.SUPPORT, "GET", f"/orders/{order['id']}")).json()["timeline"]
    actors = [e["actor"] for e in timeline if e["type"] == "refund_issued"]
    assert actors == ["test-support (support)", "test-finance (finance)"]


async def test_a_warehouse_books_returns_into_its_own_stock_only(shop, catalog):
    _, api, keys, settings = shop
    as_ = As(api, keys)
    sku = catalog({"MIL": 2}, price="20.00")
    order = await delivered_order(
        _Signed(api, keys.header(Role.CHANNEL, "webshop"), keys), settings, [(sku, 1)]
    )
    asked = await as_(Role.CHANNEL, "POST", f"/orders/{order['id']}/returns", "webshop", json={
        "reference": "RMA-WH", "lines": [{"sku": sku, "quantity": 1, "reason": "damaged"}]})  # fmt: skip
    assert asked.status_code == 201, asked.text
    return_id = asked.json()["id"]
    items = [{"sku": sku, "quantity": 1, "outcome": "resellable"}]
    posing = await as_(Role.WAREHOUSE, "POST", f"/returns/{return_id}/receive", "BER",
                       json={"warehouse": "MIL", "items": items})  # fmt: skip
    assert (posing.status_code, code_of(posing)) == (403, "forbidden")
    milan = await as_(Role.WAREHOUSE, "POST", f"/returns/{return_id}/receive", "MIL",
                      json={"warehouse": "MIL", "items": items})  # fmt: skip
    assert milan.status_code == 200, milan.text
    assert milan.json()["status"] == "closed"
    # Once it is Milan's, Berlin's key does not even read it back through the receipt route.
    again = await as_(Role.WAREHOUSE, "POST", f"/returns/{return_id}/receive", "BER",
                      json={"warehouse": "BER", "items": items})  # fmt: skip
    assert code_of(again) == "forbidden"


async def test_a_revoked_key_is_refused_and_its_successor_works(shop):
    _app, api, keys, _settings = shop
    admin = keys.header(Role.ADMIN)
    made = await api.post(
        "/keys", headers=admin, json={"name": "shop-2027", "role": "channel", "scope": "webshop"}
    )
    assert made.status_code == 201, made.text
    new = made.json()
    assert new["key"].startswith("ordino_") and "secret_hash" not in new
    listed = (await api.get("/keys", headers=admin)).json()
    assert new["id"] in {k["id"] for k in listed} and all("key" not in k for k in listed)
    bearer = {"authorization": f"Bearer {new['key']}"}
    assert (await api.get("/orders", headers=bearer)).status_code == 200
    revoked = await api.post(f"/keys/{new['id']}/revoke", headers=admin)
    assert revoked.json()["revoked_at"] is not None
    after = await api.get("/orders", headers=bearer)
    assert (after.status_code, code_of(after)) == (401, "unauthenticated")
    unscoped = await api.post("/keys", headers=admin, json={"name": "x", "role": "channel"})
    assert code_of(unscoped) == "invalid_body"


async def test_webhook_secrets_are_per_sender_and_rotate(shop):
    app, api, _keys, settings = shop
    body = b'{"event_id": "e-rot", "reference": "no-such-payment", "status": "approved"}'
    carrier_signed = webhook_signature.sign(settings.carrier_webhook_secrets[0], body)
    headers = {"content-type": "application/json", webhook_signature.HEADER: carrier_signed}
    forged = await api.post("/webhooks/payments", content=body, headers=headers)
    assert (forged.status_code, code_of(forged)) == (401, "invalid_signature")
    # During a rotation both the new and the old secret sign.
    rotated = settings.model_copy(
        update={"payment_webhook_secrets": ["new-secret", *settings.payment_webhook_secrets]}
    )
    app.state.services.settings = rotated
    try:
        for secret in rotated.payment_webhook_secrets:
            signed = {
                "content-type": "application/json",
                webhook_signature.HEADER: webhook_signature.sign(secret, body),
            }
            answer = await api.post("/webhooks/payments", content=body, headers=signed)
            assert code_of(answer) != "invalid_signature", (secret, answer.text)
    finally:
        app.state.services.settings = settings
    malformed = {
        "content-type": "application/json",
        webhook_signature.HEADER: "t=1,v1=\u00e9".encode("latin-1"),
    }
    assert (await api.post("/webhooks/payments", content=body, headers=malformed)).status_code == 401


def test_outside_the_dev_stack_ordino_will_not_run_on_built_in_secrets():
    with pytest.raises(SystemExit, match="built-in secret"):
        Settings().refuse_dev_secrets()
    Settings(dev_secrets_allowed=True).refuse_dev_secrets()
    own = Settings(
        carrier_webhook_secrets=["c" * 32], payment_webhook_secrets=["p" * 32], link_secret="l" * 32
    )
    own.refuse_dev_secrets()
    with pytest.raises(SystemExit, match="shorter"):
        own.model_copy(update={"payment_webhook_secrets": [""]}).refuse_dev_secrets()
