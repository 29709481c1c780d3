"""Interactive PDFs of the catalog's forms: blank templates and filled copies.

* :func:`blank_pdf` / :func:`blank_pdf_path` — the fillable PDF of a form, generated from
  the catalog on first use and cached under ``var/pdfs/`` (``FORMS_CATALOG_PDF_DIR``
  overrides the directory). The file name carries a fingerprint of the form's definition
  and of this package's code, so an edited form or generator never serves a stale file.
  ``python -m forms_catalog pdfs`` fills the cache ahead of time.
* :func:`fill_pdf` — a copy with values filled in: every value is validated first
  (:class:`~forms_catalog.errors.FieldValidationError` names the field, and nothing is
  returned), then written with its own appearance stream so that it shows in any viewer.
* :func:`check_values` — every problem of a set of values at once (unknown fields, bad
  values, letters the font lacks, missing required fields), for a page that shows each
  error next to its field.
"""

import functools
import hashlib
import io
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from forms_catalog.errors import FieldValidationError
from forms_catalog.loader import load_catalog
from forms_catalog.model import Catalog, Field, Form

__all__ = ["blank_pdf", "blank_pdf_path", "build_all", "check_values", "fill_pdf", "pdf_cache_dir"]

logger = logging.getLogger(__name__)

REPO_DIR = Path(__file__).resolve().parents[2]
CACHE_ENV = "FORMS_CATALOG_PDF_DIR"


def pdf_cache_dir() -> Path:
    """Where generated PDFs are cached: ``$FORMS_CATALOG_PDF_DIR`` or ``<repo>/var/pdfs``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else REPO_DIR / "var" / "pdfs"


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of the generator's code and fonts: a change invalidates cached PDFs."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")) + sorted((package.parent / "fonts").glob("*.ttf")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint(catalog: Catalog, form: Form) -> str:
    department = catalog.departments.get(form.department)
    digest = hashlib.sha256(_code_fingerprint().encode())
    digest.update(repr(form).encode("utf-8"))
    digest.update(repr(department).encode("utf-8"))
    return digest.hexdigest()[:16]


def _build(catalog: Catalog, form: Form) -> bytes:
    from forms_catalog.pdf.build import build_pdf

    return build_pdf(form, catalog.departments.get(form.department))


def blank_pdf_path(form_id: str, catalog: Optional[Catalog] = None) -> Path:
    """Path of the cached blank PDF of ``form_id``, generated if missing or stale.

    Raises:
        UnknownFormError: for an id the catalog lacks.
        OSError: if the cache directory cannot be written.
    """
    catalog = catalog or load_catalog()
    form = catalog.get(form_id)
    directory = pdf_cache_dir()
    path = directory / f"{form.id}-{_fingerprint(catalog, form)}.pdf"
    if path.is_file():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    data = _build(catalog, form)
    # Write then rename, so that a concurrent reader (the Rasa server and the action
    # server share the cache) never sees a half-written file.
    handle, tmp = tempfile.mkstemp(dir=directory, prefix=f".{form.id}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the file is public anyway
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for stale in directory.glob(f"{form.id}-*.pdf"):
        if stale != path:
            stale.unlink(missing_ok=True)
    logger.info("generated blank PDF for form %s at %s", form.id, path)
    return path


def blank_pdf(form_id: str, catalog: Optional[Catalog] = None) -> bytes:
    """The blank fillable PDF of ``form_id`` (from the cache, generated if needed).

    If the cache directory is not writable the PDF is generated in memory each time
    (and a warning is logged), so serving forms never depends on a writable ``var/``.
    """
    catalog = catalog or load_catalog()
    form = catalog.get(form_id)
    try:
        return blank_pdf_path(form.id, catalog).read_bytes()
    except OSError as error:
        logger.warning(
            "cannot cache the PDF of form %s in %s (%s); generating it in memory",
            form.id,
            pdf_cache_dir(),
            error,
        )
        return _build(catalog, form)


def build_all(out_dir: Optional[Path] = None, catalog: Optional[Catalog] = None) -> List[Path]:
    """Generate every form's PDF: into the cache, or as ``<id>.pdf`` files in ``out_dir``."""
    catalog = catalog or load_catalog()
    paths: List[Path] = []
    for form_id, form in catalog.forms.items():
        if out_dir is None:
            paths.append(blank_pdf_path(form_id, catalog))
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            path = out_dir / f"{form_id}.pdf"
            path.write_bytes(_build(catalog, form))
            paths.append(path)
    return paths


def _prepared(form: Form, values: Mapping[str, Any]) -> Dict[str, Union[str, bool]]:
    """Validate ``values`` and check that the field font can show every character."""
    from forms_catalog.pdf import font

    cleaned = form.clean_values(values)
    for name, value in cleaned.items():
        if isinstance(value, str):
            missing = font.unsupported_characters(value)
            if missing:
                field = form.field(name)
                shown = ", ".join(f"„{c}”" for c in missing)
                raise FieldValidationError(
                    name, f"{field.label}: caracterele {shown} nu pot fi scrise în formular."
                )
    return cleaned


def _short(label: str, limit: int = 60) -> str:
    """``label`` cut at a word before ``limit`` characters, with "…" when cut."""
    if len(label) <= limit:
        return label
    return label[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def check_values(
    form_id: str, values: Mapping[str, Any], catalog: Optional[Catalog] = None
) -> Tuple[Dict[str, Union[str, bool]], Dict[str, str]]:
    """Validate ``values`` as :func:`fill_pdf` and ``fill_and_seal`` do, but report every
    problem at once instead of the first.

    Returns:
        ``(cleaned, errors)``: the normalised values of the fields without a problem, and
        field name → Romanian message (starting with the field's label) for every unknown
        field, bad value, letter the field font cannot show and missing required field.
        The signature field takes no value (a value for it is an error): the caller
        handles the signature image.

    Raises:
        UnknownFormError: for an unknown form id.
    """
    from forms_catalog.pdf import font

    catalog = catalog or load_catalog()
    form = catalog.get(form_id)
    errors: Dict[str, str] = {}
    for name in values:
        try:
            form.field(name)
        except FieldValidationError as error:
            errors[name] = error.message
    cleaned: Dict[str, Union[str, bool]] = {}
    for field in form.fields:
        if field.type == "signature" and field.name not in values:
            continue
        try:
            value = field.clean(values.get(field.name))  # a signature field raises
        except FieldValidationError as error:
            errors[field.name] = error.message
            continue
        missing = font.unsupported_characters(value) if isinstance(value, str) else []
        if missing:
            shown = ", ".join(f"„{c}”" for c in missing)
            errors[field.name] = f"{field.label}: caracterele {shown} nu pot fi scrise în formular."
        elif field.required and value in ("", False):
            errors[field.name] = (
                f"Bifați căsuța „{_short(field.label)}”: este obligatorie."
                if field.type == "checkbox"
                else f"{field.label}: câmpul este obligatoriu."
            )
        elif field.name in values:
            cleaned[field.name] = value
    return cleaned, errors


def _characters(count: int) -> str:
    """``count`` with "caracter(e)" as Romanian says it: 1 caracter, 19 caractere,
    20 de caractere, 101 caractere, 120 de caractere."""
    if count == 1:
        return "1 caracter"
    rest = count % 100
    return f"{count} de caractere" if rest >= 20 or (rest == 0 and count) else f"{count} caractere"


def _widgets(writer: Any) -> Iterator[Tuple[str, Any]]:
    for page in writer.pages:
        for ref in page.get("/Annots", []):
            widget = ref.get_object()
            if widget.get("/Subtype") == "/Widget" and "/T" in widget:
                yield str(widget["/T"]), widget


def fill_pdf(form_id: str, values: Mapping[str, Any], catalog: Optional[Catalog] = None) -> bytes:
    """A copy of the form's PDF with ``values`` filled in; the fields stay editable.

    Args:
        form_id: a catalog form id.
        values: field name → value: ``str`` for text and date fields (dates zz.ll.aaaa),
            ``bool`` (or "da"/"nu") for check boxes. Fields not given stay empty; the
            signature field cannot be given.

    Raises:
        UnknownFormError: for an unknown form id.
        FieldValidationError: for an unknown field name or a bad value — raised before
            anything is written, with ``.field`` and a Romanian ``.message``.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    from forms_catalog.pdf import appearance, font
    from forms_catalog.pdf.build import CHECKBOX_ON, add_object, font_resources

    catalog = catalog or load_catalog()
    form = catalog.get(form_id)
    cleaned = _prepared(form, values)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank_pdf(form.id, catalog))))
    acro_form: Any = writer._root_object["/AcroForm"].get_object()  # noqa: SLF001
    font_ref = acro_form["/DR"]["/Font"].raw_get(font.RESOURCE_NAME)
    resources = font_resources(font_ref)

    # First compute every appearance (this is where a too-long value fails), then write.
    updates: List[Tuple[Any, Field, Union[str, bool], Optional[bytes]]] = []
    widgets = dict(_widgets(writer))
    for name, value in cleaned.items():
        field = form.field(name)
        widget = widgets[name]
        content = None
        if isinstance(value, str):
            x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
            width, height = x2 - x1, y2 - y1
            try:
                content = appearance.text_content(value, width, height, field.multiline)
            except appearance.DoesNotFit:
                # Refused, never cut: a value that does not show whole would be signed as
                # something else than what the citizen wrote.
                fits = appearance.fitting_length(value, width, height, field.multiline)
                raise FieldValidationError(
                    name,
                    f"{field.label}: textul are {_characters(len(value))}, iar în câmp "
                    f"încap doar {fits}; scurtați-l, vă rugăm (nu îl tăiem automat).",
                ) from None
        updates.append((widget, field, value, content))

    for widget, field, value, content in updates:
        if isinstance(value, bool):
            state = NameObject(CHECKBOX_ON if value else "/Off")
            widget[NameObject("/V")] = state
            widget[NameObject("/AS")] = state
            continue
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        assert content is not None, name  # every text field got its appearance above
        stream = appearance.form_xobject(content, x2 - x1, y2 - y1, resources)
        widget[NameObject("/V")] = TextStringObject(value)
        widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): add_object(writer, stream)})

    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
