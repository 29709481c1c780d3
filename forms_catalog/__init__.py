"""The forms catalog of Primăria Orașului Măgurele: procedure cards and fillable PDFs.

One YAML file per form under ``forms_catalog/forms/`` is the single source of truth that
the bot (procedure cards), the clerk console, the NLU data (``form`` entity synonyms) and
the interactive PDFs are generated from. Typical use::

    from forms_catalog import load_catalog
    catalog = load_catalog()
    form = catalog.get("certificat_urbanism")        # UnknownFormError if unknown
    for text in catalog.card_sections(form.id).values():
        dispatcher.utter_message(text=text)

    from forms_catalog.pdf import blank_pdf, fill_pdf  # reportlab/pypdf load on demand

Importing the package reads no file; the catalog is read (and cached) on first
:func:`load_catalog`.
"""

from forms_catalog.errors import (
    CatalogError,
    FieldValidationError,
    InvalidValue,
    UnknownFormError,
)
from forms_catalog.links import blank_pdf_url, form_page_url
from forms_catalog.loader import load_catalog, read_catalog
from forms_catalog.model import (
    CATEGORIES,
    REQUIRED_DEPARTMENT_IDS,
    REQUIRED_FORM_IDS,
    Catalog,
    Department,
    Fact,
    Field,
    Form,
    Section,
)

__all__ = [
    "CATEGORIES",
    "REQUIRED_DEPARTMENT_IDS",
    "REQUIRED_FORM_IDS",
    "Catalog",
    "CatalogError",
    "Department",
    "Fact",
    "Field",
    "FieldValidationError",
    "Form",
    "InvalidValue",
    "Section",
    "UnknownFormError",
    "blank_pdf_url",
    "form_page_url",
    "load_catalog",
    "read_catalog",
]
