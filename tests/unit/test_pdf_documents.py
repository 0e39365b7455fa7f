"""PDFs drawn with fonts read once per process: each document still shows its own text in
any script, with a glyph for every character in the font it embeds, also when documents
are drawn side by side or in parallel threads (the worker draws labels in a thread pool).
A label all in Latin-1 is set in a core font and embeds none."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from fontTools.ttLib import TTFont
from pypdf import PdfReader

from domain.orders import Address
from providers.carrier import Booking
from providers.pdf_fonts import SANS, unicode_pdf
from providers.sandbox.carrier import label_pdf

NAMES = ("Łukasz Ğül", "Ελένη Παπαδοπούλου", "Дмитрий Шостакович", "王芳", "José Müller", "Zoë Ørsted")


def label(name: str) -> bytes:
    recipient = Address(name=name, line1="Via Roma 1", postal_code="20121", city="Milano", country="IT")
    return label_pdf(Booking(carrier="sandbox", tracking_number="SBX1"), "MIL", recipient, 1250)


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_characters(pdf: bytes) -> set[str]:
    """Every character some font embedded in pdf has a glyph for."""
    chars: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                file = descendant.get_object()["/FontDescriptor"]["/FontFile2"].get_data()
                chars |= {chr(c) for c in TTFont(io.BytesIO(file)).getBestCmap()}
    return chars


def base_fonts(pdf: bytes) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }


def latin_1(name: str) -> bool:
    return all(ord(c) < 256 for c in name)


def assert_shows_only(pdf: bytes, name: str) -> None:
    text = text_of(pdf)
    assert name in text, text
    if latin_1(name):  # the core fonts, which every viewer has: nothing embedded
        assert base_fonts(pdf) <= {"/Helvetica", "/Helvetica-Bold", "/Courier-Bold"}
        assert embedded_characters(pdf) == set()
    else:
        assert set(name) - {" "} <= embedded_characters(pdf)
    assert not [other for other in NAMES if other != name and other in text]


def test_a_label_shows_a_name_in_any_script_with_a_glyph_for_each_character():
    assert {latin_1(name) for name in NAMES} == {True, False}  # both kinds of label
    for name in NAMES:
        assert_shows_only(label(name), name)


def test_documents_drawn_side_by_side_keep_their_own_glyphs():
    first, second = unicode_pdf("Ελένη"), unicode_pdf("Łukasz")
    for pdf in (first, second):
        pdf.add_page()
    for pdf, name in ((first, "Ελένη"), (second, "Łukasz")):
        pdf.set_font(SANS, "B", 14)
        pdf.cell(0, 8, name)
    first_pdf, second_pdf = bytes(first.output()), bytes(second.output())
    assert "Ελένη" in text_of(first_pdf) and "Łukasz" in text_of(second_pdf)
    assert "Ł" not in embedded_characters(first_pdf) and "λ" not in embedded_characters(second_pdf)


def test_labels_drawn_in_parallel_threads_each_hold_their_own_name():
    names = NAMES * 4
    with ThreadPoolExecutor(max_workers=6) as pool:
        pdfs = list(pool.map(label, names))
    for name, pdf in zip(names, pdfs, strict=True):
        assert_shows_only(pdf, name)
