"""PDFs that show names and addresses in any script (Łukasz, Ğül, Ελένη, 王芳). The PDF core
fonts cover Latin-1 only, so every document sets its text in Noto Sans (Latin, Greek,
Cyrillic), falling back to Noto Sans SC for Chinese, Japanese and Korean; both come from
a PyPI package, so no system fonts are needed."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF

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


@cache
def _sans_covers() -> frozenset[int]:
    return frozenset(TTFont(_FONTS / "NotoSans.ttf", lazy=True).getBestCmap())


def unicode_pdf(text: str, **page: Any) -> FPDF:
    """An FPDF (page options as FPDF's) whose font family SANS, regular and "B", shows
    every character of text: the variable text the document will hold. The CJK font
    (17 MB) is loaded only for a text that needs it."""
    pdf = _FallbackSafePDF(**page)
    # One weight: the package has no bold Noto Sans, so headings stand out by size and colour.
    for style in ("", "B"):
        pdf.add_font(SANS, style, _FONTS / "NotoSans.ttf")
    if any(ord(c) not in _sans_covers() for c in set(text) if not c.isspace()):
        pdf.add_font(_CJK, "", _FONTS / "NotoSansSC.ttf")
        pdf.set_fallback_fonts([_CJK], exact_match=False)
    return pdf
