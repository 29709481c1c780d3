"""Drive real PDF engines as a person does: PDFium (Chrome's viewer) through pypdfium2's
form-fill API, and poppler's command-line tools. Used by ``test_pdf_viewers.py``.

Nothing here knows how ``forms_catalog.pdf`` builds its files: fields are found by name in
the PDF, typed into character by character, and what the engine *shows* is read back from a
flattened copy (the appearance streams baked into the page), not from our own code.
"""

import ctypes
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pypdfium2 as pdfium  # requirements.txt: a missing install is an error, not a skip
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader

PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")

# PDFium's virtual key code of Enter (fpdf_fwlevent.h: FWL_VKEY_Return).
VKEY_RETURN = 0x0D


@dataclass(frozen=True)
class Widget:
    name: str
    page: int
    rect: Tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points
    value: Optional[str]


def widgets(pdf: bytes) -> Dict[str, Widget]:
    """Every field widget of ``pdf`` by field name (read with pypdf, not with PDFium)."""
    found = {}
    for index, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Widget" and "/T" in annot:
                value = annot.get("/V")
                found[str(annot["/T"])] = Widget(
                    str(annot["/T"]),
                    index,
                    tuple(float(v) for v in annot["/Rect"]),
                    None if value is None else str(value),
                )
    return found


def pdfium_type(pdf: bytes, entries: Dict[str, str], replace: bool = False) -> bytes:
    """Open ``pdf`` in PDFium with forms, type each value into its field, save a copy.

    For every field: move the mouse over it and click its centre, type the text one
    character at a time (``FORM_OnChar``; a newline is the Enter key), then click on an
    empty spot of the page to leave the field — PDFium then commits the value and builds
    the field's appearance, as Chrome's viewer does. With ``replace`` the field's text is
    selected first (Ctrl+A), so the typing replaces what was there. The document is saved
    with ``FPDF_SaveAsCopy`` (what "Save" / "Download" does in Chrome).
    """
    boxes = widgets(pdf)
    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    handle = document.formenv
    # One page object per page for the whole session: PDFium's form environment forgets
    # the edits of a page whose object is closed before the document is saved.
    pages: Dict[int, object] = {}
    try:
        for name, text in entries.items():
            widget = boxes[name]
            if widget.page not in pages:
                pages[widget.page] = document[widget.page]
            page = pages[widget.page]
            x1, y1, x2, y2 = widget.rect
            x, y = (x1 + x2) / 2, (y1 + y2) / 2
            pdfium_c.FORM_OnMouseMove(handle, page, 0, x, y)
            pdfium_c.FORM_OnLButtonDown(handle, page, 0, x, y)
            pdfium_c.FORM_OnLButtonUp(handle, page, 0, x, y)
            _assert_focused(handle, name)
            if replace:
                assert pdfium_c.FORM_SelectAllText(handle, page), f"{name}: nothing to select"
            for unit in _utf16_units(text):
                if unit == 0x0A:
                    pdfium_c.FORM_OnKeyDown(handle, page, VKEY_RETURN, 0)
                    pdfium_c.FORM_OnChar(handle, page, 0x0D, 0)
                    pdfium_c.FORM_OnKeyUp(handle, page, VKEY_RETURN, 0)
                else:
                    pdfium_c.FORM_OnChar(handle, page, unit, 0)
            # Move to the top-left margin, where no field is, and click: the field loses
            # focus. (Without the move PDFium still sees the mouse over the field.)
            margin_x, margin_y = 3.0, page.get_height() - 3.0
            pdfium_c.FORM_OnMouseMove(handle, page, 0, margin_x, margin_y)
            pdfium_c.FORM_OnLButtonDown(handle, page, 0, margin_x, margin_y)
            pdfium_c.FORM_OnLButtonUp(handle, page, 0, margin_x, margin_y)
        pdfium_c.FORM_ForceToKillFocus(handle)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    finally:
        document.close()


def _assert_focused(handle: object, name: str) -> None:
    """The click put the caret into a field (else the typing would go nowhere)."""
    page_index = ctypes.c_int(-1)
    annot = pdfium_c.FPDF_ANNOTATION()
    focused = pdfium_c.FORM_GetFocusedAnnot(handle, page_index, annot)
    assert focused and annot, f"clicking field {name} did not focus it"
    pdfium_c.FPDFPage_CloseAnnot(annot)


def _utf16_units(text: str) -> List[int]:
    data = text.encode("utf-16-le")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]


def pdfium_flatten(pdf: bytes) -> bytes:
    """A copy whose field appearances are baked into the page content (FPDFPage_Flatten),
    as when a citizen prints the form or a clerk archives it as a plain page."""
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            result = pdfium_c.FPDFPage_Flatten(page, pdfium_c.FLAT_NORMALDISPLAY)
            assert result in (pdfium_c.FLATTEN_SUCCESS, pdfium_c.FLATTEN_NOTHINGTODO), result
            page.close()
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    finally:
        document.close()


@dataclass(frozen=True)
class ShownText:
    """Text PDFium finds in a region of a (flattened) page, with the fonts drawing it."""

    text: str
    fonts: Dict[str, str]  # character → name of the font that draws it


def pdfium_text_in(pdf: bytes, page_index: int, rect: Tuple[float, float, float, float]) -> ShownText:
    """The characters PDFium's text layer finds inside ``rect`` of a page, and for each
    non-space character the font that draws it (``FPDFText_GetFontInfo``)."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[page_index]
        textpage = page.get_textpage()
        x1, y1, x2, y2 = rect
        text = textpage.get_text_bounded(left=x1, bottom=y1, right=x2, top=y2)
        fonts: Dict[str, str] = {}
        buffer = ctypes.create_string_buffer(256)
        flags = ctypes.c_int()
        for index in range(textpage.count_chars()):
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage, index))
            if char.isspace():
                continue
            left, right, bottom, top = (ctypes.c_double() for _ in range(4))
            pdfium_c.FPDFText_GetCharBox(textpage, index, left, right, bottom, top)
            cx, cy = (left.value + right.value) / 2, (bottom.value + top.value) / 2
            if not (x1 <= cx <= x2 and y1 <= cy <= y2):
                continue
            length = pdfium_c.FPDFText_GetFontInfo(textpage, index, buffer, len(buffer), flags)
            fonts[char] = buffer.raw[: max(0, length - 1)].decode("utf-8", "replace")
        return ShownText(text, fonts)
    finally:
        document.close()


def poppler_text_in(
    pdf: bytes, page_index: int, rect: Tuple[float, float, float, float], tmp_path: Path
) -> str:
    """``pdftotext`` of a region of a page (72 dpi, so pixels are points)."""
    source = tmp_path / "poppler-input.pdf"
    source.write_bytes(pdf)
    height = float(PdfReader(io.BytesIO(pdf)).pages[page_index].mediabox.height)
    x1, y1, x2, y2 = rect
    page = str(page_index + 1)
    result = subprocess.run(
        [
            PDFTOTEXT,
            "-f",
            page,
            "-l",
            page,
            "-r",
            "72",
            "-x",
            str(int(x1)),
            "-y",
            str(int(height - y2)),
            "-W",
            str(int(x2 - x1 + 1)),
            "-H",
            str(int(y2 - y1 + 1)),
            "-enc",
            "UTF-8",
            str(source),
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")


# --- pdf.js in chromium ------------------------------------------------------------------

PDFJS_DIR = Path(__file__).resolve().parent / "pdfjs"
PDFJS_DIST = PDFJS_DIR / "node_modules" / "pdfjs-dist"


class PdfjsSite:
    """A local web server for the pdf.js test page: ``viewer.html`` and ``pdfjs-dist`` from
    ``tests/forms_catalog/pdfjs``, and the PDFs registered with :meth:`add` at ``/pdf/<name>``.
    Listens on 127.0.0.1 on a port the system picks (free by construction)."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.pdfs: Dict[str, bytes] = {}
        site = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map = {
                **http.server.SimpleHTTPRequestHandler.extensions_map,
                ".mjs": "text/javascript",
                ".wasm": "application/wasm",
            }

            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(PDFJS_DIR), **kwargs)  # type: ignore

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                if self.path.startswith("/pdf/"):
                    data = site.pdfs.get(self.path[len("/pdf/") :])
                    if data is None:
                        self.send_error(404)
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "application/pdf")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass  # the test output is enough

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, name: str, pdf: bytes) -> str:
        """Serve ``pdf``; returns the URL of the viewer page that opens it."""
        self.pdfs[name] = pdf
        return f"{self.base}/viewer.html?file=/pdf/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def pdfjs_type(page: object, url: str, entries: Dict[str, str], screenshot: Optional[Path] = None) -> bytes:
    """Open ``url`` (the viewer page) in a Playwright ``page``, click into each field of
    pdf.js's form layer, type the value with the keyboard (Enter for a newline), click
    outside the fields, then return the bytes of ``pdfDocument.saveDocument()`` — what
    Firefox writes when the citizen saves or downloads the filled form."""
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "window.loadError || window.formLayerReady", timeout=30_000
    )
    error = page.evaluate("window.loadError || null")  # type: ignore[attr-defined]
    assert error is None, f"pdf.js could not open the PDF: {error}"
    for name, text in entries.items():
        box = page.locator(f'[name="{name}"]')  # type: ignore[attr-defined]
        box.click()
        for index, line in enumerate(text.split("\n")):
            if index:
                page.keyboard.press("Enter")  # type: ignore[attr-defined]
            page.keyboard.type(line)  # type: ignore[attr-defined]
        # Leave the field by clicking the page's top-left margin (no field there).
        page.mouse.click(12, 12)  # type: ignore[attr-defined]
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=False)  # type: ignore[attr-defined]
    import base64

    return base64.b64decode(page.evaluate("window.savedDocumentBase64()"))  # type: ignore


def pdfium_lines_in(pdf: bytes, page_index: int, rect: Tuple[float, float, float, float]) -> List[str]:
    """The text inside ``rect`` as PDFium lays it out, one string per baseline (top first)."""
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[page_index].get_textpage()
        x1, y1, x2, y2 = rect
        rows: Dict[float, List[Tuple[float, str]]] = {}
        for index in range(textpage.count_chars()):
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage, index))
            if char in "\r\n":
                continue
            origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
            pdfium_c.FPDFText_GetCharOrigin(textpage, index, origin_x, origin_y)
            if x1 <= origin_x.value <= x2 and y1 <= origin_y.value <= y2:
                rows.setdefault(round(origin_y.value, 1), []).append((origin_x.value, char))
        return ["".join(c for _, c in sorted(rows[y])).strip() for y in sorted(rows, reverse=True)]
    finally:
        document.close()


Image = Tuple[int, int, bytes]  # width, height, 8-bit gray pixels (rows top first)


def poppler_render_gray(pdf: bytes, tmp_path: Path, name: str, dpi: int = 72, page: int = 1) -> Image:
    """One page rendered by poppler's ``pdftoppm`` in gray (what a print shows)."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            PDFTOPPM,
            "-gray",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(source),
            str(tmp_path / name),
        ],
        check=True,
        timeout=60,
    )
    data = (tmp_path / f"{name}.pgm").read_bytes()
    magic, width, height, maximum, pixels = data.split(maxsplit=4)
    assert magic == b"P5" and maximum == b"255"
    return int(width), int(height), pixels


def dark_pixels(image: Image, rect: object, dpi: int = 72) -> int:
    """Dark pixels inside ``rect`` (PDF points), 2 points in from its border."""
    width, height, pixels = image
    scale = dpi / 72
    x1, y1, x2, y2 = (float(v) for v in rect)  # type: ignore[attr-defined]
    page_height = height / scale
    columns = range(int((x1 + 2) * scale), int((x2 - 2) * scale))
    rows = range(int((page_height - y2 + 2) * scale), int((page_height - y1 - 2) * scale))
    return sum(1 for r in rows for c in columns if pixels[r * width + c] < 100)
