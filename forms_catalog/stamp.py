"""The citizen's drawn signature (a PNG) stamped into the form's signature box.

The image is drawn into the page content, inside the ``/Rect`` of the form's ``/FT /Sig``
widget, scaled to fit and centred, keeping its proportions and transparency. Drawing it in
the page rather than in the widget's appearance keeps it visible in viewers that hide or
redraw unsigned signature fields, and leaves the field itself empty for a qualified
signature later. The stamp must happen before the seal, so that the seal covers it.
"""

import io
from typing import Tuple

from forms_catalog.errors import FieldValidationError
from forms_catalog.model import Form

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "stamp_signature_image"]

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 4000  # on the longer side: a phone drawing is far smaller
MARGIN = 2.0  # points kept free inside the box's dashed border


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
        raise error(f"imaginea semnăturii poate avea cel mult "
                    f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise error("imaginea semnăturii trebuie să fie un fișier PNG.")
    try:
        with Image.open(io.BytesIO(png)) as image:
            size = image.size
            if max(size) > MAX_IMAGE_PIXELS:
                raise error(f"imaginea semnăturii poate avea cel mult {MAX_IMAGE_PIXELS} "
                            f"pixeli pe latură.")
            image.load()  # decode it all: a truncated file fails here, not in the PDF
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise error("imaginea semnăturii este deteriorată și nu poate fi citită.") from None
    return size


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
    width_px, height_px = _checked_png(form, png)
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
        raise FieldValidationError(field.name, f"{field.label}: câmpul de semnătură lipsește "
                                               f"din PDF.")

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
        x1 + MARGIN + (box_w - draw_w) / 2, y1 + MARGIN + (box_h - draw_h) / 2,
        draw_w, draw_h, mask="auto",
    )
    canvas.showPage()
    canvas.save()
    page.merge_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
