"""Names and addresses in any script reach every document: the invoice, the credit note
and the carrier's label show them as written (the PDF core fonts could show Latin-1 only,
and a label for Łukasz could not be made at all)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_invoice_credit_note_and_label_show_names_in_any_script(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 2})
    body = order_body([(sku, 1)])
    body["customer"] |= {"name": "王芳 Ελένη"}
    body["shipping_address"] |= {"name": "Łukasz Ğül", "line1": "Ulica Świętokrzyska 5", "city": "Kraków"}
    placed = await api.post("/orders", json=body)
    assert placed.status_code == 201, placed.text
    order = await wait_for_status(api, placed.json()["order_id"], "shipped")

    invoice = pdf_text((await api.get(f"/invoices/{order['invoices'][0]['number']}.pdf")).content)
    label = pdf_text(
        (await api.get(f"/shipments/{order['shipments'][0]['tracking_number']}/label.pdf")).content
    )
    refund = {"amount": "1.00", "reason": "Ünterschied, 差額", "reference": "T-script"}
    assert (await api.post(f"/orders/{order['id']}/refunds", json=refund)).status_code == 201
    [note] = (await api.get("/credit-notes", params={"order_id": order["id"]})).json()
    response = await api.get(f"/credit-notes/{note['number']}.pdf")
    assert response.headers["content-type"] == "application/pdf"
    credit_note = pdf_text(response.content)

    for text in (invoice, credit_note):
        assert "王芳 Ελένη" in text and "Ulica Świętokrzyska 5" in text and "Kraków" in text
    assert "Łukasz Ğül" in label and "Ulica Świętokrzyska 5" in label
    assert "Ünterschied, 差額" in credit_note
    unknown = await api.get("/credit-notes/CN-0000-000000.pdf")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "credit_note_not_found")
