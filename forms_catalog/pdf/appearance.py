"""Appearance streams of the form fields, written by hand.

A filled field must look filled in every viewer, including those that ignore
``/NeedAppearances`` (most phone apps, pdf.js in some modes, printers' RIPs), so the filler
writes each widget's normal appearance (``/AP /N``) itself: the value in the field font,
shrunk to fit (down to :data:`MIN_FONT_SIZE`) and wrapped in multi-line fields.
"""

from typing import List

from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    StreamObject,
)

from forms_catalog.pdf import font

TEXT_FONT_SIZE = 10.0
MULTILINE_FONT_SIZE = 9.0
MIN_FONT_SIZE = 6.0
PADDING = 2.0
LEADING = 1.18  # line height as a multiple of the font size


class DoesNotFit(ValueError):
    """The value does not fit the field even at the smallest font size."""


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _wrap(text: str, width: float, size: float) -> List[str]:
    """Greedy word wrap; words longer than a line are split between characters."""
    measure = font.field_font().string_width
    lines: List[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if measure(candidate, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for char in word:
                if measure(line + char, size) > width and line:
                    lines.append(line)
                    line = ""
                line += char
        lines.append(line)
    return lines


def text_content(value: str, width: float, height: float, multiline: bool) -> bytes:
    """The content of a text field's appearance for ``value`` (empty value → empty field).

    Raises:
        DoesNotFit: if the text does not fit even at :data:`MIN_FONT_SIZE`.
        ValueError: if the text has characters the field font cannot show.
    """
    if not value:
        return b"/Tx BMC\nEMC\n"
    metrics = font.field_font()
    ascent, descent = metrics.ascent / 1000.0, metrics.descent / 1000.0
    inner_width = width - 2 * PADDING
    inner_height = height - 2 * PADDING
    size = MULTILINE_FONT_SIZE if multiline else TEXT_FONT_SIZE
    while True:
        if multiline:
            lines = _wrap(value, inner_width, size)
            fits = len(lines) * size * LEADING <= inner_height + size * (LEADING - 1)
        else:
            lines = [value]
            fits = metrics.string_width(value, size) <= inner_width and size <= inner_height
        if fits:
            break
        size -= 0.5
        if size < MIN_FONT_SIZE:
            raise DoesNotFit(value)
    if multiline:
        y = height - PADDING - ascent * size
    else:  # centre the line vertically
        y = (height - (ascent - descent) * size) / 2 - descent * size
    parts = [
        "/Tx BMC",
        "q",
        f"1 1 {_num(width - 2)} {_num(height - 2)} re W n",
        "BT",
        f"{font.RESOURCE_NAME} {_num(size)} Tf",
        "0 g",
        f"{_num(PADDING)} {_num(y)} Td",
    ]
    for index, line in enumerate(lines):
        if index:
            parts.append(f"0 {_num(-size * LEADING)} Td")
        parts.append(f"<{font.encode(line).hex().upper()}> Tj")
    parts += ["ET", "Q", "EMC"]
    return ("\n".join(parts) + "\n").encode("ascii")


def fitting_length(value: str, width: float, height: float, multiline: bool) -> int:
    """How many leading characters of ``value`` fit the field (at the smallest font size),
    so that a refusal can tell the citizen how much to cut."""
    low, high = 0, len(value)  # value[:low] fits; value[:high + 1] does not (or is all)
    while low < high:
        middle = (low + high + 1) // 2
        try:
            text_content(value[:middle], width, height, multiline)
            low = middle
        except DoesNotFit:
            high = middle - 1
    return low


def check_content(width: float, height: float) -> bytes:
    """A check mark drawn with lines, so that no symbol font is needed."""
    stroke = max(1.0, min(width, height) / 9)
    points = [(0.2, 0.52), (0.42, 0.24), (0.8, 0.8)]
    path = " ".join(
        f"{_num(x * width)} {_num(y * height)} {'m' if i == 0 else 'l'}" for i, (x, y) in enumerate(points)
    )
    return f"q 0 g 0 G {_num(stroke)} w 1 J 1 j {path} S Q\n".encode("ascii")


def form_xobject(content: bytes, width: float, height: float, resources: DictionaryObject) -> StreamObject:
    """A Form XObject (appearance stream), deflated."""
    stream = DecodedStreamObject()
    stream[NameObject("/Type")] = NameObject("/XObject")
    stream[NameObject("/Subtype")] = NameObject("/Form")
    stream[NameObject("/BBox")] = ArrayObject(FloatObject(round(value, 2)) for value in (0, 0, width, height))
    stream[NameObject("/Resources")] = resources
    stream.set_data(content)
    return stream.flate_encode(level=9)
