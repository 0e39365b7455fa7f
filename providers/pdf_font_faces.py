"""A font file read once per process, and a font of its own for every document drawn with it.

fpdf2's add_font parses the whole file for each document (Noto Sans, for every label and
invoice), and its output subsets that parsed font in place. Here the parse happens once:
each document gets a copy of the parsed metrics, which no document changes, and its own
glyph subset, font descriptor and fontTools font for the output to cut down, so documents
drawn at the same time in different threads share nothing they write to."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from threading import Lock

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont

# Tables a PDF viewer never reads in a font embedded for horizontal text fpdf2 has already
# laid out: layout (fpdf2 drops them at output anyway, after fontTools has decompiled
# them), variations (a viewer draws the default instance) and vertical metrics. Without
# them fontTools has far less to read and subset for each document.
UNREAD_TABLES = ("GDEF", "GPOS", "GSUB", "BASE", "JSTF", "MATH", "FFTM", "hdmx", "meta",
                 "fvar", "gvar", "avar", "cvar", "HVAR", "VVAR", "MVAR", "STAT", "vhea", "vmtx")  # fmt: skip


class _Widths(dict[int, float]):
    """Character widths that answer a missing character with the default width without
    storing it (fpdf2's defaultdict would), so every document can read the same one."""

    def __init__(self, widths: dict[int, float], default: float) -> None:
        super().__init__(widths)
        self.default = default

    def __missing__(self, char: int) -> float:
        return self.default


def _without_unread_tables(path: Path) -> bytes:
    font = TTFont(path, recalcTimestamp=False)
    for tag in UNREAD_TABLES:
        if tag in font:
            del font[tag]
    out = io.BytesIO()
    font.save(out)  # the tables kept are copied as they are: glyph order and names stay
    return out.getvalue()


class FontFace:
    """One font file, parsed once. `for_document` gives a document its own fpdf2 font."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data = _without_unread_tables(path)
        parsed = TTFFont(FPDF(), path, "face", "")
        if parsed.color_font is not None:  # it keeps per-document glyphs of its own
            raise ValueError(f"{path.name}: colour fonts are not supported")
        parsed.cw = _Widths(parsed.cw, parsed.desc.missing_width)
        parsed.close()
        self._parsed = parsed
        self.characters = frozenset(parsed.cmap)

    def for_document(self, pdf: FPDF, family: str) -> TTFFont:
        """Add the face to pdf as family (regular style) and return the font added."""
        font = copy.copy(self._parsed)  # shares the metrics, which nothing writes to
        font.i = len(pdf.fonts) + 1
        font.fontkey = family
        font.emphasis = TextEmphasis.NONE
        font.desc = copy.copy(self._parsed.desc)  # the output numbers it and links the file
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        # The output subsets this one in place. Bounding boxes are not recomputed for the
        # subset: the whole font's still enclose every glyph, and recomputing them means
        # decoding every outline again.
        font.ttfont = TTFont(io.BytesIO(self._data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        font.subset = SubsetMap(font)
        pdf.fonts[family] = font
        return font


_faces: dict[Path, FontFace] = {}
_faces_lock = Lock()


def face(path: Path) -> FontFace:
    """The process's FontFace of path, parsed by the first document that needs it."""
    with _faces_lock:  # a second thread waits rather than parsing the same file again
        if path not in _faces:
            _faces[path] = FontFace(path)
        return _faces[path]
