"""The citizen's drawn signature (a PNG) stamped into the form's signature box.

The image is drawn into the page content, inside the ``/Rect`` of the form's ``/FT /Sig``
widget, cut to its drawing (a signature pad's empty margins removed), scaled to fit and
centred, keeping its proportions and transparency. Drawing it in
the page rather than in the widget's appearance keeps it visible in viewers that hide or
redraw unsigned signature fields, and leaves the field itself empty for a qualified
signature later. The stamp must happen before the seal, so that the seal covers it.
"""

import io
from typing import Tuple

from forms_catalog.errors import FieldValidationError
from forms_catalog.model import Form

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_TYPED_NAME",
    "check_signature_image",
    "stamp_signature_image",
    "typed_signature_png",
]

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 4000  # on the longer side: a phone drawing is far smaller
MARGIN = 2.0  # points kept free inside the box's dashed border
MAX_TYPED_NAME = 70  # the applicant's name field has the same limit
INK = (20, 40, 140, 255)  # dark blue, as a pen signature


def _signature_field(form: Form):
    fields = [f for f in form.fields if f.type == "signature"]
    if len(fields) != 1:  # the catalog check guarantees exactly one
        raise FieldValidationError("semnatura", "Formularul nu are un câmp de semnătură.")
    return fields[0]


def _checked_png(form: Form, png: bytes) -> Tuple[int, int]:
    """Width and height of a valid PNG; a :class:`FieldValidationError` otherwise."""
    from PIL import Image, UnidentifiedImageError

    field = _signature_field(form)

    def error(text: str) -> FieldValidationError:
        return FieldValidationError(field.name, f"{field.label}: {text}")

    if not png:
        raise error("imaginea semnăturii este goală.")
    if len(png) > MAX_IMAGE_BYTES:
        raise error(f"imaginea semnăturii poate avea cel mult {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise error("imaginea semnăturii trebuie să fie un fișier PNG.")
    # The checks' own errors are raised outside the try: FieldValidationError is a
    # ValueError, which would otherwise read as a damaged file.
    too_large = blank = False
    try:
        with Image.open(io.BytesIO(png)) as image:
            size = image.size
            too_large = max(size) > MAX_IMAGE_PIXELS
            if not too_large:
                image.load()  # decode it all: a truncated file fails here, not in the PDF
                blank = "A" in image.getbands() and image.getchannel("A").getbbox() is None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise error("imaginea semnăturii este deteriorată și nu poate fi citită.") from None
    if too_large:
        raise error(f"imaginea semnăturii poate avea cel mult {MAX_IMAGE_PIXELS} de pixeli pe latură.")
    if blank:
        raise error("imaginea semnăturii este goală (transparentă); semnați în chenar.")
    return size


def _trimmed(png: bytes) -> Tuple[bytes, int, int]:
    """The image cut to its drawing (the transparent margins of a signature pad removed),
    with a little air around it, so that the signature fills the box; and its size."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        if "A" not in image.getbands():
            return png, image.width, image.height
        bbox = image.getchannel("A").getbbox()
        assert bbox is not None, "a blank signature is refused before"  # checked by the caller
        left, top, right, bottom = bbox
        pad = max(4, (bottom - top) // 12)
        box = (
            max(0, left - pad),
            max(0, top - pad),
            min(image.width, right + pad),
            min(image.height, bottom + pad),
        )
        if box == (0, 0, image.width, image.height):
            return png, image.width, image.height
        cropped = image.crop(box)
        out = io.BytesIO()
        cropped.save(out, "PNG")
        return out.getvalue(), cropped.width, cropped.height


def check_signature_image(png: bytes, form: Form) -> None:
    """Check a signature image as :func:`stamp_signature_image` does, without a PDF: a PNG,
    at most :data:`MAX_IMAGE_BYTES` and :data:`MAX_IMAGE_PIXELS` a side, readable, and not
    fully transparent (a signature pad sent before anything was drawn).

    Raises:
        FieldValidationError: on the signature field, with a Romanian message.
    """
    _checked_png(form, png)


def stamp_signature_image(pdf: bytes, png: bytes, form: Form) -> bytes:
    """``pdf`` (a filled catalog form) with ``png`` drawn into its signature box.

    Raises:
        FieldValidationError: on the signature field, for an empty, oversized, damaged or
            non-PNG image (Romanian message); nothing is returned.
    """
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    field = _signature_field(form)
    _checked_png(form, png)
    png, width_px, height_px = _trimmed(png)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        for ref in page.get("/Annots", []):
            widget = ref.get_object()
            if widget.get("/FT") == "/Sig" and str(widget.get("/T")) == field.name:
                break
        else:
            continue
        break
    else:
        raise FieldValidationError(field.name, f"{field.label}: câmpul de semnătură lipsește din PDF.")

    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    box_w, box_h = x2 - x1 - 2 * MARGIN, y2 - y1 - 2 * MARGIN
    scale = min(box_w / width_px, box_h / height_px)
    draw_w, draw_h = width_px * scale, height_px * scale
    media = page.mediabox
    overlay = io.BytesIO()
    # merge_page does not translate: draw in the page's own coordinates.
    canvas = Canvas(overlay, pagesize=(float(media.right), float(media.top)))
    canvas.drawImage(
        ImageReader(io.BytesIO(png)),
        x1 + MARGIN + (box_w - draw_w) / 2,
        y1 + MARGIN + (box_h - draw_h) / 2,
        draw_w,
        draw_h,
        mask="auto",
    )
    canvas.showPage()
    canvas.save()
    page.merge_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def typed_signature_png(name: str, form: Form) -> bytes:
    """A PNG of ``name`` written in dark blue on a transparent background: the signature of
    a citizen who types their name instead of drawing it (the form page offers both).

    The letters are DejaVu Sans, slanted like handwriting, so ă â î ș ț always show.

    Raises:
        FieldValidationError: on the signature field, for an empty or too long name, one
            on several lines, or one with characters the font cannot write.
    """
    from PIL import Image, ImageDraw, ImageFont

    from forms_catalog.pdf import font
    from forms_catalog.text import fix_cedillas

    field = _signature_field(form)
    text = " ".join(fix_cedillas(name).split())
    if not text:
        raise FieldValidationError(field.name, f"{field.label}: scrieți-vă numele ca semnătură.")
    if len(text) > MAX_TYPED_NAME:
        raise FieldValidationError(
            field.name, f"{field.label}: numele poate avea cel mult {MAX_TYPED_NAME} de caractere."
        )
    missing = font.unsupported_characters(text)
    if missing or not text.isprintable():
        shown = ", ".join(f"„{c}”" for c in missing) or "de control"
        raise FieldValidationError(
            field.name, f"{field.label}: caracterele {shown} nu pot fi scrise în semnătură."
        )
    face = ImageFont.truetype(str(font.REGULAR_TTF), 72)
    left, top, right, bottom = face.getbbox(text)
    slant = 0.22  # how far the top leans right, per pixel of height
    height = bottom - top + 24
    width = right - left + 24 + int(slant * height)
    image = Image.new("RGBA", (int(width), int(height)), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((12 - left, 12 - top), text, font=face, fill=INK)
    # x_source = x + slant * (y - height): the top of each letter moves right.
    image = image.transform(
        image.size,
        Image.Transform.AFFINE,
        (1, slant, -slant * height, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
