"""Invoices and credit notes as PDFs a customer would be glad to receive: who sells to
whom, what, at which VAT rate, and what was paid or credited, in the customer's own script."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fpdf import FPDF

from db.invoice_views import CreditNoteDetail, InvoiceDetail
from domain.money import percent, quantum
from providers.pdf_fonts import SANS, unicode_pdf

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (32, 96, 160)
WIDTHS = (70, 14, 24, 24, 16, 24)  # item, qty, unit price, net, VAT, total


def _money(currency: str) -> Callable[[Decimal], str]:
    q = quantum(currency)
    return lambda amount: f"{amount.quantize(q):,}"


def _heading(pdf: FPDF, title: str, subtitle: str) -> None:
    pdf.set_text_color(*ACCENT)
    pdf.set_font(SANS, "B", 22)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*MUTED)
    pdf.set_font(SANS, "", 10)
    pdf.cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def _parties(pdf: FPDF, seller: dict[str, Any], buyer: dict[str, Any]) -> None:
    address = buyer.get("address", {})
    top = pdf.get_y()
    for x, title, lines in (
        (18, "From", [seller.get("name", ""), f"VAT {seller.get('vat_id', '')}"]),
        (
            110,
            "Bill to",
            [
                buyer.get("name", ""),
                address.get("line1", ""),
                address.get("line2") or "",
                f"{address.get('postal_code', '')} {address.get('city', '')}",
                address.get("country", ""),
                buyer.get("email", ""),
                f"VAT {buyer['vat_id']}" if buyer.get("vat_id") else "",
            ],
        ),
    ):
        pdf.set_xy(x, top)
        pdf.set_text_color(*MUTED)
        pdf.set_font(SANS, "B", 9)
        pdf.cell(80, 5, title.upper(), new_x="LEFT", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.set_font(SANS, "", 10)
        for line in filter(None, lines):
            pdf.cell(80, 5, str(line), new_x="LEFT", new_y="NEXT")
    pdf.set_xy(18, max(pdf.get_y(), top + 30) + 6)


def _total_row(pdf: FPDF, label: str, value: str, bold: bool = False) -> None:
    pdf.set_x(18 + sum(WIDTHS[:3]))
    pdf.set_font(SANS, "B" if bold else "", 11 if bold else 9)
    pdf.cell(sum(WIDTHS[3:5]), 6, label, align="R")
    pdf.cell(WIDTHS[5], 6, value, align="R", new_x="LMARGIN", new_y="NEXT")


def _closing(pdf: FPDF, text: str, notes: list[str]) -> None:
    pdf.ln(8)
    pdf.set_text_color(*MUTED)
    pdf.set_font(SANS, "", 9)
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    for note in notes:  # legal notes (reverse charge) in full, below the thanks
        pdf.set_text_color(*INK)
        pdf.set_font(SANS, "B", 9)
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")


def _page(text: str) -> FPDF:
    pdf = unicode_pdf(text, format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_margins(18, 18, 18)
    return pdf


def render_invoice(inv: InvoiceDetail) -> bytes:
    money = _money(inv.currency)
    pdf = _page(inv.model_dump_json())
    _heading(pdf, "Invoice", f"No. {inv.number}   |   {inv.issued_at:%d %B %Y}   |   Order {inv.order_id}")
    _parties(pdf, inv.seller, inv.buyer)

    headers = ("Item", "Qty", "Unit price", "Net", "VAT", "Total")
    pdf.set_fill_color(*ACCENT)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(SANS, "B", 9)
    for w, h in zip(WIDTHS, headers, strict=True):
        pdf.cell(w, 7, h, fill=True, align="L" if h == "Item" else "R")
    pdf.ln()
    pdf.set_text_color(*INK)
    pdf.set_font(SANS, "", 9)
    rows = [
        (
            f"{ln.name} ({ln.sku})" + (f", {money(ln.discount)} off" if ln.discount else ""),
            str(ln.quantity),
            money(ln.unit_price),
            money(ln.net),
            percent(ln.tax_rate),
            money(ln.total),
        )
        for ln in inv.lines
    ]
    if inv.shipping:
        s = inv.shipping
        rows.append(("Shipping", "", "", money(s.net), percent(s.tax_rate), money(s.total)))
    for row in rows:
        for w, value, header in zip(WIDTHS, row, headers, strict=True):
            pdf.cell(w, 7, value, align="L" if header == "Item" else "R", border="B")
        pdf.ln()
    pdf.ln(4)

    for t in inv.tax_breakdown:
        _total_row(pdf, f"VAT {percent(t.rate)} on {money(t.net)}", money(t.tax))
    _total_row(pdf, "Net", money(inv.net_total))
    _total_row(pdf, "VAT", money(inv.tax_total))
    _total_row(pdf, f"Total {inv.currency}", money(inv.grand_total), bold=True)

    paid = f"Paid by card, payment reference {inv.payment_reference}." if inv.payment_reference else ""
    shipped = f" Shipped from warehouse {inv.warehouse}." if inv.warehouse else ""
    vat = "include" if inv.prices_include_tax else "exclude"
    _closing(pdf, f"{paid}{shipped} Prices {vat} VAT. Thank you for your order.", inv.notes)
    return bytes(pdf.output())


def render_credit_note(note: CreditNoteDetail) -> bytes:
    money = _money(note.currency)
    pdf = _page(note.model_dump_json())
    _heading(
        pdf,
        "Credit note",
        f"No. {note.number}   |   {note.issued_at:%d %B %Y}   |   Corrects invoice {note.invoice_number}",
    )
    _parties(pdf, note.seller, note.buyer)
    pdf.set_text_color(*INK)
    pdf.set_font(SANS, "", 10)
    pdf.multi_cell(0, 6, f"Reason: {note.reason}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _total_row(pdf, "Net", money(note.net_total))
    _total_row(pdf, "VAT", money(note.tax_total))
    _total_row(pdf, f"Credited {note.currency}", money(note.grand_total), bold=True)
    refund = note.refund_reference
    refunded = f"Refunded to the original payment, reference {refund}. " if refund else ""
    _closing(pdf, f"{refunded}Order {note.order_id}.", note.notes)
    return bytes(pdf.output())
