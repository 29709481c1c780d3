"""The font of the form fields: DejaVu Sans as a simple TrueType font with Romanian letters.

Why not what the libraries offer: reportlab's AcroForm support only knows the standard 14
fonts, which have no ș/ț; pypdf writes appearance streams but cannot be relied on for
characters outside Latin-1 (issue 3 asks us to test it; our own streams are simpler).

So the fields use one font resource, ``/DejaVu`` in ``/AcroForm /DR``:

* the whole DejaVuSans.ttf embedded (``/FontFile2``, not a subset), so that a PDF app
  that regenerates a field's appearance while the citizen types finds every glyph;
* a *simple* (8-bit) font — the kind every viewer supports in a field's ``/DA`` — whose
  encoding is WinAnsi with the unused and rarely used codes 0x80–0x9F redefined as
  Ă ă Ș ș Ț ț (and Hungarian Ő ő Ű ű), named ``uniXXXX`` so that no viewer confuses the
  comma-below letters with the cedilla ones (the Adobe glyph list maps "Tcommaaccent" to
  the cedilla Ţ);
* a ``/ToUnicode`` map, so text extraction and copy/paste give back the right letters.

Text is encoded with :func:`encode`; a character outside the encoding raises
``ValueError`` naming it (the filler turns that into a field error before writing).
"""

import functools
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR_TTF = FONT_DIR / "DejaVuSans.ttf"
BOLD_TTF = FONT_DIR / "DejaVuSans-Bold.ttf"

RESOURCE_NAME = "/DejaVu"  # the font's name in /AcroForm /DR and in every field's /DA
FIRST_CODE, LAST_CODE = 32, 255

# Codes of WinAnsiEncoding that are undefined (0x81 0x8D 0x8F 0x90 0x9D) or hardly ever
# typed in a form (ƒ † ‡ ˆ ‰), given to the letters Romanian (and Hungarian) names need.
OVERRIDES: Dict[int, str] = {
    0x81: "Ă", 0x8D: "ă", 0x8F: "Ș", 0x90: "ș", 0x9D: "Ț", 0x83: "ț",
    0x86: "Ő", 0x87: "ő", 0x88: "Ű", 0x89: "ű",
}


def _code_to_char() -> Dict[int, str]:
    table: Dict[int, str] = {}
    for code in range(FIRST_CODE, LAST_CODE + 1):
        if code in OVERRIDES:
            table[code] = OVERRIDES[code]
            continue
        if code == 0x7F:
            continue
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


CODE_TO_CHAR: Dict[int, str] = _code_to_char()
CHAR_TO_CODE: Dict[str, int] = {char: code for code, char in CODE_TO_CHAR.items()}


def unsupported_characters(text: str) -> List[str]:
    """Characters of ``text`` the field font cannot show (newlines aside), in order."""
    return list(dict.fromkeys(c for c in text if c != "\n" and c not in CHAR_TO_CODE))


def encode(text: str) -> bytes:
    """Encode one line of text for a ``Tj`` operator with the field font."""
    missing = unsupported_characters(text)
    if missing:
        raise ValueError(f"characters outside the field font's encoding: {''.join(missing)!r}")
    return bytes(CHAR_TO_CODE[c] for c in text)


@dataclass(frozen=True)
class FontMetrics:
    """What layout and the PDF font dictionary need from the TrueType file."""

    postscript_name: str
    widths: Dict[int, float]  # code → advance width in 1/1000 em
    ascent: float
    descent: float
    cap_height: float
    bbox: Tuple[float, float, float, float]
    stem_v: float

    def string_width(self, text: str, size: float) -> float:
        """Width of ``text`` in points at font size ``size`` (characters must be encodable)."""
        return sum(self.widths[CHAR_TO_CODE[c]] for c in text) * size / 1000.0


@functools.lru_cache(maxsize=1)
def metrics() -> FontMetrics:
    """Metrics of DejaVuSans.ttf for the codes of the field encoding (read once)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    face = TTFontFile(str(REGULAR_TTF))
    widths = {
        code: float(face.charWidths.get(ord(char), face.defaultWidth))
        for code, char in CODE_TO_CHAR.items()
    }
    name = face.name.decode("ascii") if isinstance(face.name, bytes) else str(face.name)
    return FontMetrics(
        postscript_name=name,
        widths=widths,
        ascent=float(face.ascent),
        descent=float(face.descent),
        cap_height=float(face.capHeight),
        bbox=tuple(float(v) for v in face.bbox),  # type: ignore[arg-type]
        stem_v=float(face.stemV),
    )


def glyph_name(char: str) -> str:
    """The glyph name used in the /Differences array for an overridden code."""
    return f"/uni{ord(char):04X}"


def to_unicode_cmap() -> bytes:
    """A ToUnicode CMap for every code of the encoding."""
    entries = [
        f"<{code:02X}> <{ord(char):04X}>" for code, char in sorted(CODE_TO_CHAR.items())
    ]
    chunks = [entries[i:i + 100] for i in range(0, len(entries), 100)]
    body = "\n".join(
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar" for chunk in chunks
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /EFunctionar-DejaVu-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


@functools.lru_cache(maxsize=1)
def compressed_font_file() -> Tuple[bytes, int]:
    """The TrueType file deflated for ``/FontFile2``, and its original length."""
    data = REGULAR_TTF.read_bytes()
    return zlib.compress(data, 9), len(data)
