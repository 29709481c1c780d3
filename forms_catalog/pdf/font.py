"""The font of the form fields: DejaVu Sans, whole, as a Type0 (CID) font with Identity-H.

What viewers do with it decides the choice. A viewer that builds a field's appearance
while the citizen types (Chrome's PDFium, pdf.js, Acrobat) must find a character code for
every typed character *in the field's font*, else it draws the character with a fallback
font or drops it. Issue 13: Chrome dropped ș ț Ș Ț in every form, and drew ă Ă with
whatever system font it found.

So the fields use one font resource in ``/AcroForm /DR``, named :data:`RESOURCE_NAME`:

* ``/Type0`` with ``/Encoding /Identity-H``: a 2-byte code is a CID, and with
  ``/CIDToGIDMap /Identity`` the CID is the glyph index in the TrueType file;
* the whole DejaVuSans.ttf embedded (``/FontFile2``, not a subset), so that every glyph a
  citizen may type (Romanian, other Latin, Greek, Cyrillic names) is there;
* a ``/ToUnicode`` map of every glyph that the font's cmap reaches (DejaVu Sans maps each
  glyph from at most one character, so the map is one-to-one both ways): PDFium and pdf.js
  look typed characters up in it, and text extraction and copy/paste give back the letters;
* ``/W`` widths for every glyph, which :meth:`FieldFont.string_width` also uses for the
  appearance streams this package writes, so our layout and the viewers' agree.

Why the resource is called ``/Wingdings`` although it is DejaVu Sans: PDFium (Chrome, and
pypdfium2 in the tests) gives the font of a field's ``/DA`` a "charset" and tries it only
for typed characters of that charset — ANSI for an embedded font, while ă ș ț count as
Eastern European — and otherwise falls back to system fonts, which have no ș ț in their
Windows-1250 encoding. Only a font whose ``/DA`` name is Wingdings, Wingdings2, Wingdings3
or Webdings is "symbol", and PDFium then tries it first for every character
(``CPDF_BAFontMap`` in PDFium's core/fpdfdoc). The name is only a key in the resource
dictionaries: pdf.js and poppler read the font dictionary it points to (``/BaseFont
/DejaVuSans``), and the tests check that PDFium and pdf.js draw typed text with DejaVu Sans
(Acrobat is not checked). The name alone fixed PDFium with the former simple TrueType font
(WinAnsi + Differences) too; the Type0 font is there so that every letter DejaVu Sans has,
not only 223 of them, can be typed and filled.

Text is encoded with :func:`encode`; a character the font has no glyph for raises
``ValueError`` naming it (the filler turns that into a field error before writing).
"""

import functools
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple, Union

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR_TTF = FONT_DIR / "DejaVuSans.ttf"
BOLD_TTF = FONT_DIR / "DejaVuSans-Bold.ttf"

# The font's key in /AcroForm /DR, in every field's /DA and appearance resources. Not a
# Wingdings font: the name makes PDFium use it for every typed character (docstring above).
RESOURCE_NAME = "/Wingdings"


@dataclass(frozen=True)
class FieldFont:
    """What layout and the PDF font dictionaries need from the TrueType file.

    Lengths are in 1/1000 em (PDF glyph space); widths are rounded as written in ``/W``.
    """

    postscript_name: str
    glyph_count: int
    glyphs: Dict[str, int]  # character → glyph index (= CID with Identity-H)
    widths: Tuple[int, ...]  # glyph index → advance width
    ascent: float
    descent: float
    cap_height: float
    bbox: Tuple[float, float, float, float]
    stem_v: float
    italic_angle: float

    def string_width(self, text: str, size: float) -> float:
        """Width of ``text`` in points at font size ``size`` (characters must be in the font)."""
        return sum(self.widths[self.glyphs[c]] for c in text) * size / 1000.0


@functools.lru_cache(maxsize=1)
def field_font() -> FieldFont:
    """DejaVuSans.ttf, read once with fontTools."""
    from fontTools.ttLib import TTFont

    with TTFont(str(REGULAR_TTF), lazy=True) as face:
        scale = 1000.0 / face["head"].unitsPerEm
        order = face.getGlyphOrder()
        index = {name: gid for gid, name in enumerate(order)}
        glyphs = {chr(code): index[name] for code, name in face.getBestCmap().items()}
        metrics = face["hmtx"].metrics
        widths = tuple(round(metrics[name][0] * scale) for name in order)
        os2, head = face["OS/2"], face["head"]
        ascent = os2.sTypoAscender * scale
        # OS/2 version 1 has no sCapHeight; the ascent stands in, as reportlab does.
        cap_height = getattr(os2, "sCapHeight", 0) * scale or ascent
        return FieldFont(
            postscript_name=face["name"].getDebugName(6),
            glyph_count=len(order),
            glyphs=glyphs,
            widths=widths,
            ascent=ascent,
            descent=os2.sTypoDescender * scale,
            cap_height=cap_height,
            bbox=tuple(v * scale for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
            # The usual estimate from the weight class (the TrueType file has no stem width).
            stem_v=50 + int((os2.usWeightClass / 65.0) ** 2),
            italic_angle=float(face["post"].italicAngle),
        )


def unsupported_characters(text: str) -> List[str]:
    """Characters of ``text`` the field font cannot show (newlines aside), in order."""
    glyphs = field_font().glyphs
    return list(dict.fromkeys(c for c in text if c != "\n" and c not in glyphs))


def encode(text: str) -> bytes:
    """Encode one line of text for a ``Tj`` operator with the field font (2 bytes a glyph)."""
    missing = unsupported_characters(text)
    if missing:
        raise ValueError(f"characters the field font has no glyph for: {''.join(missing)!r}")
    glyphs = field_font().glyphs
    return b"".join(glyphs[c].to_bytes(2, "big") for c in text)


def width_array() -> List[Union[int, List[int]]]:
    """The CID font's ``/W`` array: runs of equal widths as ``first last width``, the
    rest as ``first [w w …]`` — about a third of the size of one list of every width."""
    widths = field_font().widths
    out: List[Union[int, List[int]]] = []
    pending: List[int] = []  # widths of a list run that starts at pending_start
    pending_start = 0
    gid = 0
    while gid < len(widths):
        end = gid
        while end + 1 < len(widths) and widths[end + 1] == widths[gid]:
            end += 1
        if end - gid >= 3:  # four or more equal widths: a range is shorter
            if pending:
                out += [pending_start, pending]
                pending = []
            out += [gid, end, widths[gid]]
        else:
            if not pending:
                pending_start = gid
            pending += widths[gid : end + 1]
        gid = end + 1
    if pending:
        out += [pending_start, pending]
    return out


def _utf16_hex(char: str) -> str:
    return char.encode("utf-16-be").hex().upper()


def to_unicode_cmap() -> bytes:
    """A ToUnicode CMap from every mapped glyph index (2-byte code) to its character."""
    pairs = sorted((gid, char) for char, gid in field_font().glyphs.items())
    entries = [f"<{gid:04X}> <{_utf16_hex(char)}>" for gid, char in pairs]
    chunks = [entries[i : i + 100] for i in range(0, len(entries), 100)]
    body = "\n".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar" for chunk in chunks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /EFunctionar-DejaVu-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


@functools.lru_cache(maxsize=1)
def compressed_font_file() -> Tuple[bytes, int]:
    """The TrueType file deflated for ``/FontFile2``, and its original length."""
    data = REGULAR_TTF.read_bytes()
    return zlib.compress(data, 9), len(data)


@functools.lru_cache(maxsize=1)
def compressed_to_unicode() -> bytes:
    """The ToUnicode CMap deflated (once per process, like the font file)."""
    return zlib.compress(to_unicode_cmap(), 9)
