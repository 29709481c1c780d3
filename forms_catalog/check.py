"""``python -m forms_catalog check``: everything that must hold before the catalog ships.

1. every file against ``schema/catalog.schema.json`` and the cross-file rules of
   :mod:`forms_catalog.loader` (departments exist, synonyms unique across forms, field
   sets known, the NLU contract's form ids present, …);
2. the generated PDF of every form: its fields are exactly the catalog's (names, types,
   lengths, multi-line flags), it has the field font and the city-hall heading;
3. ``data/nlu/forms_catalog.yml`` is what ``python -m forms_catalog nlu`` would write;
4. every name of every form (title and synonyms) is found again, as that form, by the
   NLU's phrase matcher in a question ("ce acte trebuie pentru <name>"): a synonym made
   of filler words only, a lower-case abbreviation ("cu") or one that another form's
   longer name swallows would never be extracted.

Each problem is one line "file: field: message".
"""

import io
from pathlib import Path
from typing import Any, List, Optional

from forms_catalog.loader import display_path, read_catalog
from forms_catalog.model import Catalog, Form
from forms_catalog.nlu import NLU_PATH, nlu_is_current, surface_forms

PDF_FIELD_TYPES = {"text": "/Tx", "date": "/Tx", "checkbox": "/Btn", "signature": "/Sig"}


def _form_problems(form: Form, pdf: bytes) -> List[str]:
    from pypdf import PdfReader

    from forms_catalog.pdf import font
    from forms_catalog.pdf.build import FF_MULTILINE
    from forms_catalog.pdf.layout import HEADING_LINES

    where = display_path(Path(form.path)) if form.path else form.id
    problems: List[str] = []
    reader = PdfReader(io.BytesIO(pdf))
    # Each field is merged with its single widget, so the widgets carry every key.
    fields = {
        str(widget["/T"]): widget
        for page in reader.pages
        for widget in (ref.get_object() for ref in page.get("/Annots", []))
        if widget.get("/Subtype") == "/Widget" and "/T" in widget
    }
    expected = {f.name: f for f in form.fields}
    for name in sorted(set(fields) - set(expected)):
        problems.append(f"{where}: fields: the PDF has a field {name!r} the catalog lacks")
    for name, field in expected.items():
        actual = fields.get(name)
        if actual is None:
            problems.append(f"{where}: fields ({name}): missing from the generated PDF")
            continue
        if actual.get("/FT") != PDF_FIELD_TYPES[field.type]:
            problems.append(
                f"{where}: fields ({name}): PDF type {actual.get('/FT')} does not match {field.type!r}"
            )
        if field.max_length and actual.get("/MaxLen") != field.max_length:
            problems.append(
                f"{where}: fields ({name}): /MaxLen {actual.get('/MaxLen')} != max_length {field.max_length}"
            )
        multiline = bool(int(actual.get("/Ff", 0)) & FF_MULTILINE)
        if field.type in ("text", "date") and multiline != field.multiline:
            problems.append(f"{where}: fields ({name}): multi-line flag does not match lines")
    root: Any = reader.trailer["/Root"]
    acro_form: Any = root["/AcroForm"]
    if font.RESOURCE_NAME not in acro_form.get("/DR", {}).get("/Font", {}):
        problems.append(f"{where}: (pdf): /AcroForm /DR lacks the field font {font.RESOURCE_NAME}")
    text = reader.pages[0].extract_text()
    for line in (*HEADING_LINES, form.form_title.upper().split()[0]):
        if line not in text:
            problems.append(f"{where}: (pdf): page 1 does not show {line!r}")
    return problems


def pdf_problems(catalog: Catalog) -> List[str]:
    """Build every form's PDF in memory (no cache is written) and compare it to the catalog."""
    from forms_catalog.pdf.build import build_pdf

    problems: List[str] = []
    for form in catalog.forms.values():
        pdf = build_pdf(form, catalog.departments.get(form.department))
        problems += _form_problems(form, pdf)
    return problems


# The question a name is tried in: words around it must not change what is found.
PROBE = "ce acte trebuie pentru {name}?"


def unextractable_names(catalog: Catalog) -> List[str]:
    """Names of forms that the NLU's lookup extractor would never map to their form.

    The extractor (nlu_ro.lookup_extractor) matches every generated name with
    :class:`~nlu_ro.phrase_matcher.PhraseMatcher`; the same matcher, built from the same
    names, is asked to find each name inside :data:`PROBE`.
    """
    from nlu_ro.phrase_matcher import PhraseMatcher

    names = {form.id: surface_forms(form.title, form.synonyms) for form in catalog.forms.values()}
    matcher = PhraseMatcher({name: form_id for form_id, ns in names.items() for name in ns})
    problems: List[str] = []
    for form_id, form_names in sorted(names.items()):
        form = catalog.forms[form_id]
        where = display_path(Path(form.path)) if form.path else form_id
        for name in form_names:
            text = PROBE.format(name=name)
            start = text.index(name)
            found = [m for m in matcher.find(text) if m.start < start + len(name) and m.end > start]
            if [m.value for m in found][:1] != [form_id]:
                seen = ", ".join(f"{m.value} ({m.phrase!r})" for m in found) or "nothing"
                field = "synonyms" if name in form.synonyms else "title"
                problems.append(
                    f"{where}: {field}: {name!r} is never extracted as {form_id}: "
                    f"in {text!r} the NLU finds {seen}"
                )
    return problems


def run_checks(
    root: Optional[Path] = None, nlu_path: Optional[Path] = NLU_PATH, pdfs: bool = True
) -> List[str]:
    """All problems of the catalog under ``root``; an empty list means it is fine.

    Args:
        root: catalog directory (default: the package's).
        nlu_path: the generated NLU file to compare, or ``None`` to skip that check.
        pdfs: whether to build and inspect every PDF (a few seconds).
    """
    catalog, problems = read_catalog(root)
    if catalog is None:
        return problems
    problems += unextractable_names(catalog)
    if pdfs:
        problems += pdf_problems(catalog)
    if nlu_path is not None and not nlu_is_current(catalog, nlu_path):
        problems.append(
            f"{display_path(nlu_path)}: (file): out of date with the catalog; "
            "run `make catalog` (python -m forms_catalog nlu) and commit it"
        )
    return problems
