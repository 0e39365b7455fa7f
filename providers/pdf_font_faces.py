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

from fontTools import subset
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


def _saved(font: TTFont) -> bytes:
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _without_unread_tables(path: Path) -> bytes:
    font = TTFont(path, recalcTimestamp=False)
    for tag in UNREAD_TABLES:
        if tag in font:
            del font[tag]
    return _saved(font)  # the tables kept are copied as they are: glyph order and names stay


def _common_part(data: bytes, characters: frozenset[int]) -> tuple[bytes, frozenset[str]]:
    """The font cut down to characters (and the glyphs those are built from), every table
    and glyph name kept, so the output's own subsetting reads and cuts a smaller font."""
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    keep_all = {"name_IDs": ["*"], "name_languages": ["*"], "name_legacy": True, "drop_tables": []}
    options = subset.Options(glyph_names=True, notdef_outline=True, recommended_glyphs=True, **keep_all)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    return _saved(font), frozenset(font.getGlyphOrder())


class FontFace:
    """One font file, parsed once. `for_document` gives a document its own fpdf2 font;
    `ready_for_output` hands the output the common part of the font (`common`, the
    characters most documents use) when the document's glyphs are all in it."""

    def __init__(self, path: Path, common: frozenset[int] = frozenset()) -> None:
        self.path = path
        self._data = _without_unread_tables(path)
        self._common, self._common_glyphs = _common_part(self._data, common) if common else (b"", frozenset())
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
        font.ttfont = _opened(self._data)
        font.subset = SubsetMap(font)
        pdf.fonts[family] = font
        return font

    def ready_for_output(self, font: TTFFont) -> None:
        """Before pdf.output(): the common part suffices for font if it has all its glyphs."""
        if self._common and self._common_glyphs.issuperset(font.subset.get_all_glyph_names()):
            font.ttfont.close()
            font.ttfont = _opened(self._common)


def _opened(data: bytes) -> TTFont:
    # The output subsets this one in place. Bounding boxes are not recomputed for the
    # subset: the whole font's still enclose every glyph, and recomputing them means
    # decoding every outline again.
    return TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)


_faces: dict[Path, FontFace] = {}
_faces_lock = Lock()


def face(path: Path, common: frozenset[int] = frozenset()) -> FontFace:
    """The process's FontFace of path, parsed by the first document that needs it (with
    the common part asked for by that first call: each file has one caller)."""
    with _faces_lock:  # a second thread waits rather than parsing the same file again
        if path not in _faces:
            _faces[path] = FontFace(path, common)
        return _faces[path]
