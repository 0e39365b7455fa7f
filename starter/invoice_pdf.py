"""An invoice as a PDF a customer would be glad to receive: who sells to whom, what, at
which VAT rate, and what was paid."""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF

from db.invoice_views import InvoiceDetail
from domain.money import percent, quantum

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (32, 96, 160)


def _text(value: object) -> str:
    # The PDF core fonts cover Latin-1; anything beyond shows as '?', never as an error.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def render_invoice(inv: InvoiceDetail) -> bytes:
    q = quantum(inv.currency)

    def money(amount: Decimal) -> str:
        return f"{amount.quantize(q):,}"

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_margins(18, 18, 18)

    pdf.set_text_color(*ACCENT)
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(0, 10, "Invoice", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*MUTED)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0,
        6,
        _text(f"No. {inv.number}   |   {inv.issued_at:%d %B %Y}   |   Order {inv.order_id}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)

    seller, buyer = inv.seller, inv.buyer
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
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(80, 5, title.upper(), new_x="LEFT", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.set_font("Helvetica", "", 10)
        for line in filter(None, lines):
            pdf.cell(80, 5, _text(line), new_x="LEFT", new_y="NEXT")
    pdf.set_xy(18, max(pdf.get_y(), top + 30) + 6)

    widths = (70, 14, 24, 24, 16, 24)
    headers = ("Item", "Qty", "Unit price", "Net", "VAT", "Total")
    pdf.set_fill_color(*ACCENT)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 9)
    for w, h in zip(widths, headers, strict=True):
        pdf.cell(w, 7, h, fill=True, align="L" if h == "Item" else "R")
    pdf.ln()
    pdf.set_text_color(*INK)
    pdf.set_font("Helvetica", "", 9)
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
        for w, value, header in zip(widths, row, headers, strict=True):
            pdf.cell(w, 7, _text(value), align="L" if header == "Item" else "R", border="B")
        pdf.ln()
    pdf.ln(4)

    def total_row(label: str, value: str, bold: bool = False) -> None:
        pdf.set_x(18 + sum(widths[:3]))
        pdf.set_font("Helvetica", "B" if bold else "", 11 if bold else 9)
        pdf.cell(sum(widths[3:5]), 6, label, align="R")
        pdf.cell(widths[5], 6, value, align="R", new_x="LMARGIN", new_y="NEXT")

    for t in inv.tax_breakdown:
        total_row(f"VAT {percent(t.rate)} on {money(t.net)}", money(t.tax))
    total_row("Net", money(inv.net_total))
    total_row("VAT", money(inv.tax_total))
    total_row(f"Total {inv.currency}", money(inv.grand_total), bold=True)

    pdf.ln(8)
    pdf.set_text_color(*MUTED)
    pdf.set_font("Helvetica", "", 9)
    paid = f"Paid by card, payment reference {inv.payment_reference}." if inv.payment_reference else ""
    shipped = f" Shipped from warehouse {inv.warehouse}." if inv.warehouse else ""
    vat = "include" if inv.prices_include_tax else "exclude"
    pdf.multi_cell(
        0,
        5,
        _text(f"{paid}{shipped} Prices {vat} VAT. Thank you for your order."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for note in inv.notes:  # legal notes (reverse charge) in full, below the thanks
        pdf.set_text_color(*INK)
        pdf.set_font("Helvetica", "B", 9)
        pdf.multi_cell(0, 5, _text(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
