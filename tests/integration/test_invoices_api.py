"""Invoices as a customer and an accountant see them: one per shipment, numbered without
gaps, readable as JSON and as a PDF."""

from __future__ import annotations

from decimal import Decimal

from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body


async def test_each_parcel_has_its_invoice_and_a_pdf(stack, catalog):
    api, _, _ = stack
    milan, berlin = catalog({"MIL": 3}, price="12.20"), catalog({"BER": 3}, price="30.50")
    response = await api.post("/orders", json=order_body([(milan, 2), (berlin, 1)]))
    order_id = response.json()["order_id"]
    quote = response.json()["quote"]
    await wait_for_status(api, order_id, "shipped")

    page = (await api.get("/invoices", params={"order_id": order_id})).json()
    assert page["total"] == 2
    details = [(await api.get(f"/invoices/{i['number']}")).json() for i in page["items"]]
    assert sum(Decimal(d["grand_total"]) for d in details) == Decimal(quote["grand_total"])
    assert sum(Decimal(d["tax_total"]) for d in details) == Decimal(quote["tax_total"])
    by_warehouse = {d["warehouse"]: d for d in details}
    assert [ln["sku"] for ln in by_warehouse["MIL"]["lines"]] == [milan]
    assert by_warehouse["BER"]["shipping"] is not None and by_warehouse["MIL"]["shipping"] is None
    for d in details:
        assert sum(Decimal(t["tax"]) for t in d["tax_breakdown"]) == Decimal(d["tax_total"])
        assert d["seller"]["vat_id"] and d["buyer"]["name"] == "Ada Lovelace"

    pdf = await api.get(f"/invoices/{details[0]['number']}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 1500


async def test_unknown_invoice_is_a_404(stack):
    api, _, _ = stack
    for path in ("/invoices/INV-1999-000001", "/invoices/INV-1999-000001.pdf"):
        response = await api.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "invoice_not_found")
