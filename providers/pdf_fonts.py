"""PDFs that show names and addresses in any script (Łukasz, Ğül, Ελένη, 王芳). The PDF core
fonts cover Latin-1 only, so every document sets its text in Noto Sans (Latin, Greek,
Cyrillic), falling back to Noto Sans SC for Chinese, Japanese and Korean; both come from
a PyPI package, so no system fonts are needed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextEmphasis

from providers.pdf_font_faces import face

SANS = "noto-sans"
_CJK = "noto-sans-sc"
_FONTS = Path(str(files("textflowkit_fonts") / "fonts"))


class _FallbackSafePDF(FPDF):
    """fpdf2 2.8 sets the font of a line that starts in a fallback font only inside that
    line's own q/Q (which a text colour brings), yet records it as set on the page: the
    next line is then drawn in the previous font's glyph ids, as boxes. Setting the font
    on the page before each line keeps the record true."""

    def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> Any:
        if self.page and self.current_font is not None and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        return super()._render_styled_text_line(*args, **kwargs)

    def set_font(self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0) -> None:
        # One weight: the package has no bold Noto Sans, so headings stand out by size and
        # colour, and "B" draws in the one font the document embeds.
        if (family or self.font_family) == SANS and isinstance(style, str):
            style = style.replace("B", "")
        super().set_font(family, style, size)


def unicode_pdf(text: str, **page: Any) -> FPDF:
    """An FPDF (page options as FPDF's) whose font family SANS, regular and "B", shows
    every character of text: the variable text the document will hold. The CJK font
    (17 MB) is read only once a text needs it, and each font once per process."""
    pdf = _FallbackSafePDF(**page)
    sans = face(_FONTS / "NotoSans.ttf")
    sans.for_document(pdf, SANS)
    if any(ord(c) not in sans.characters for c in set(text) if not c.isspace()):
        face(_FONTS / "NotoSansSC.ttf").for_document(pdf, _CJK)
        pdf.set_fallback_fonts([_CJK], exact_match=False)
    return pdf
