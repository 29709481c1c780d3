"""The citizen's files: type checked by content, limits, images re-encoded without metadata.

A file is accepted by what its bytes are, never by its name: a PDF (``%PDF-`` and readable
by pypdf), a JPEG or a PNG (decoded by Pillow). Images are decoded, turned upright and
encoded again, so that EXIF — GPS position, camera, time — and any other metadata is
dropped. HEIC photos (iPhones) are refused with a message saying how to send them: no
library in the project's set decodes them.
"""

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from submissions import copy
from submissions.errors import SubmissionError
from submissions.limits import MAX_FILE_BYTES

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
MAX_PIXELS = 40_000_000
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


@dataclass(frozen=True)
class CleanFile:
    """A file ready to keep: its safe name, type, bytes and SHA-256."""

    name: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str:
    """The type of ``data`` by its first bytes, or SubmissionError (Romanian)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        raise SubmissionError("heic_unsupported", copy.HEIC_UNSUPPORTED, status=415)
    raise SubmissionError("bad_type", copy.BAD_TYPE, status=415)


def safe_name(name: str, content_type: str) -> str:
    """A file name to show and to offer for download: no path, no control or odd
    characters, at most 100 characters, and the extension of what the file really is."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._")[:100] or "document"
    return f"{stem}.{EXTENSIONS[content_type]}"


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise SubmissionError("pdf_encrypted", copy.PDF_ENCRYPTED, status=415)
        if len(reader.pages) < 1:
            raise SubmissionError("bad_pdf", copy.BAD_PDF, status=415)
    except SubmissionError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError):
        raise SubmissionError("bad_pdf", copy.BAD_PDF, status=415) from None


def reencode_image(data: bytes, content_type: str) -> bytes:
    """The image decoded, turned upright (EXIF orientation) and encoded again without
    any metadata; SubmissionError if it does not decode or is too large."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise SubmissionError("image_too_large", copy.IMAGE_TOO_LARGE, status=413)
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except SubmissionError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise SubmissionError("bad_image", copy.BAD_IMAGE, status=415) from None
    out = io.BytesIO()
    if content_type == JPEG:
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    else:
        keep = image if image.mode in ("RGB", "RGBA", "L", "LA", "P") else image.convert("RGBA")
        keep.save(out, "PNG", optimize=True)
    return out.getvalue()


def clean_file(name: str, data: bytes) -> CleanFile:
    """Check one uploaded file and make it safe to keep.

    Raises:
        SubmissionError: empty, too big, of a type not accepted, or unreadable.
    """
    if not data:
        raise SubmissionError("empty_file", copy.EMPTY_FILE)
    if len(data) > MAX_FILE_BYTES:
        raise SubmissionError("file_too_large", copy.FILE_TOO_LARGE, status=413)
    content_type = sniff(data)
    if content_type == PDF:
        _check_pdf(data)
        kept = data  # a signed PDF must stay byte for byte what the citizen signed
    else:
        kept = reencode_image(data, content_type)
    return CleanFile(safe_name(name, content_type), content_type, kept)
