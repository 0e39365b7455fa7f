"""CPU time per PDF the project draws (the carrier's label, the invoice, the credit note, and
both with a name in Chinese), against a one-page A6 PDF in a PDF core font drawn in the
same run: the ratio is what compares runs on different machines or with different load.

    .venv/bin/python -m bench.pdf_render [--documents 40]

CPU time (time.process_time) of this process only, so a busy machine slows the run but
hardly moves the figures. Each document is drawn once before it is timed, so what a
process pays once (reading a font file, say) shows as "first" and not in the mean.
Results: bench/results/ (bench/results.py).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from fpdf import FPDF

from bench import results
from db.invoice_views import CreditNoteDetail, InvoiceDetail, TaxLine
from domain.orders import Address
from domain.quote import QuoteLine, ShippingCharge
from providers.carrier import Booking
from providers.sandbox.carrier import label_pdf
from starter.operations.invoice_pdf import render_credit_note, render_invoice

LATIN = Address(name="José Müller", line1="Via Roma 1", postal_code="20121", city="Milano", country="IT")
CJK = Address(name="王芳", line1="朝阳区建国路 88 号", postal_code="100022", city="北京", country="CN")
BOOKING = Booking(carrier="sandbox", tracking_number="SBX0123456789AB")
SELLER = {"name": "Ordino Demo Store S.r.l.", "vat_id": "IT01234560157"}  # as in settings.py
ISSUED = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def buyer(address: Address) -> dict[str, object]:
    return {"name": address.name, "email": "customer@example.com", "address": address.model_dump()}


def invoice(address: Address) -> InvoiceDetail:
    lines = [
        QuoteLine(line_no=n, sku=f"SKU-{n}", name=name, quantity=n, unit_price=Decimal("12.50"),
                  net=Decimal("10.25") * n, tax_rate=Decimal("0.22"), tax=Decimal("2.25") * n,
                  total=Decimal("12.50") * n)
        for n, name in enumerate(("Mug, classic", "Beans 1 kg", "Paper filters x100"), start=1)
    ]  # fmt: skip
    return InvoiceDetail(
        number="INV-2026-000042", order_id="webshop:B-42", issued_at=ISSUED, currency="EUR",
        grand_total=Decimal("81.90"), net_total=Decimal("67.13"), tax_total=Decimal("14.77"),
        payment_reference="pay_0123", seller=SELLER, buyer=buyer(address), warehouse="MIL",
        prices_include_tax=True, lines=lines,
        shipping=ShippingCharge(net=Decimal("4.92"), tax_rate=Decimal("0.22"), tax=Decimal("1.08"),
                                total=Decimal("6.00")),
        tax_breakdown=[TaxLine(rate=Decimal("0.22"), net=Decimal("67.13"), tax=Decimal("14.77"))],
    )  # fmt: skip


def credit_note(address: Address) -> CreditNoteDetail:
    return CreditNoteDetail(
        number="CN-2026-000007", order_id="webshop:B-42", invoice_number="INV-2026-000042",
        issued_at=ISSUED, currency="EUR", net_total=Decimal("4.10"), tax_total=Decimal("0.90"),
        grand_total=Decimal("5.00"), reason="Damaged mug", refund_reference="ref_0042",
        seller=SELLER, buyer=buyer(address),
    )  # fmt: skip


def core_font_page() -> bytes:
    """The baseline: the label's lines on an A6 page in Helvetica, which needs no font file."""
    pdf = FPDF(format=(105, 148))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 8, "SANDBOX PARCEL", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    for text in ("From warehouse MIL", "To:", "Jose Muller", "Via Roma 1", "20121 Milano", "IT"):
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


DOCUMENTS: dict[str, Callable[[], bytes]] = {
    "label": lambda: label_pdf(BOOKING, "MIL", LATIN, 1250),
    "invoice": lambda: render_invoice(invoice(LATIN)),
    "credit note": lambda: render_credit_note(credit_note(LATIN)),
    "label, Chinese name": lambda: label_pdf(BOOKING, "MIL", CJK, 1250),
    "invoice, Chinese name": lambda: render_invoice(invoice(CJK)),
}


def cpu_ms(draw: Callable[[], bytes], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        draw()
    return (time.process_time() - start) * 1000 / n


def main(args: argparse.Namespace) -> None:
    n = args.documents
    first = {name: cpu_ms(draw, 1) for name, draw in DOCUMENTS.items()}
    cpu_ms(core_font_page, 1)
    baseline = cpu_ms(core_font_page, 10 * n)  # cheap, so many: a steady yardstick
    sizes = {name: len(draw()) for name, draw in DOCUMENTS.items()}
    print(f"baseline, A6 page in a core font: {baseline:.2f} ms CPU per document ({10 * n} documents)")
    print(f"{'document':<24} {'first ms':>9} {'ms':>8} {'ratio':>8} {'bytes':>8}")
    figures: dict[str, float] = {"baseline ms": baseline}
    for name, draw in DOCUMENTS.items():
        ms = cpu_ms(draw, n)
        print(f"{name:<24} {first[name]:9.1f} {ms:8.2f} {ms / baseline:8.1f} {sizes[name]:8}")
        figures |= {f"{name} ms": ms, f"{name} ratio": ms / baseline, f"{name} first ms": first[name],
                    f"{name} bytes": sizes[name]}  # fmt: skip
    headline = ["label ms", "label ratio", "invoice ms", "invoice ratio", "invoice, Chinese name ms"]
    results.record("pdf_render", vars(args), figures, headline)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=40, help="how many of each are timed")
    main(parser.parse_args())
