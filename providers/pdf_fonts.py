"""PDFs that show names and addresses in any script (Łukasz, Ğül, Ελένη, 王芳). The PDF core
fonts cover Latin-1 only, so a document sets its text in Noto Sans (Latin, Greek,
Cyrillic), falling back to Noto Sans SC for Chinese, Japanese and Korean; both come from
a PyPI package, so no system fonts are needed. Each font file is read once per process
(providers/pdf_font_faces.py). A parcel label whose text is all Latin-1 is set in
Helvetica, a core font every PDF viewer has: nothing to subset and embed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import TTFFont

from providers.pdf_font_faces import FontFace, face

SANS = "noto-sans"
CORE_SANS = "helvetica"
_CJK = "noto-sans-sc"
_FONTS = Path(str(files("textflowkit_fonts") / "fonts"))
# What most names and addresses are written in: Latin letters with their accents (up to
# Latin Extended-B and the Vietnamese ones), punctuation and currency signs. A document in
# these alone has its font cut from a Noto Sans of a fifth of the glyphs.
_LATIN = frozenset((*range(0x250), *range(0x1E00, 0x1F00), *range(0x2000, 0x20D0)))


class _UnicodePDF(FPDF):
    """An FPDF whose fonts come from FontFaces, each added under its family."""

    def __init__(self, **page: Any) -> None:
        super().__init__(**page)
        self._face_fonts: list[tuple[FontFace, TTFFont]] = []

    def add_face(self, family: str, font_face: FontFace) -> None:
        self._face_fonts.append((font_face, font_face.for_document(self, family)))

    def set_font(self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0) -> None:
        # One weight: the package has no bold Noto Sans, so headings stand out by size and
        # colour, and "B" draws in the one font the document embeds.
        if (family or self.font_family) == SANS and isinstance(style, str):
            style = style.replace("B", "")
        super().set_font(family, style, size)

    def output(self, *args: Any, **kwargs: Any) -> Any:
        for font_face, font in self._face_fonts:
            font_face.ready_for_output(font)
        return super().output(*args, **kwargs)

    def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> Any:
        # fpdf2 2.8 sets the font of a line that starts in a fallback font only inside that
        # line's own q/Q (which a text colour brings), yet records it as set on the page: the
        # next line is then drawn in the previous font's glyph ids, as boxes. Setting the font
        # on the page before each line keeps the record true.
        if self.page and self.current_font is not None and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        return super()._render_styled_text_line(*args, **kwargs)


def unicode_pdf(text: str, **page: Any) -> FPDF:
    """An FPDF (page options as FPDF's) whose font family SANS, regular and "B", shows
    every character of text: the variable text the document will hold. The CJK font
    (17 MB) is read only once a text needs it."""
    pdf = _UnicodePDF(**page)
    sans = face(_FONTS / "NotoSans.ttf", common=_LATIN)
    pdf.add_face(SANS, sans)
    if any(ord(c) not in sans.characters for c in set(text) if not c.isspace()):
        pdf.add_face(_CJK, face(_FONTS / "NotoSansSC.ttf"))
        pdf.set_fallback_fonts([_CJK], exact_match=False)
    return pdf


def label_document(text: str, **page: Any) -> tuple[FPDF, str]:
    """An FPDF for a document holding text and the family to set it in: Helvetica when text
    is all Latin-1 (a twentieth of the CPU: the Noto font is subset and embedded for each
    document), else unicode_pdf's SANS. For labels, where the look may vary with the name."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return unicode_pdf(text, **page), SANS
    return FPDF(**page), CORE_SANS
