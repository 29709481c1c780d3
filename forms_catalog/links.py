"""Where a citizen finds a catalog form on the city hall's site.

The website (``web/``) serves both addresses; the bot and the clerk console link to them.
``base_url`` is the public origin (e.g. ``https://asistent.primariamagurele.ro``); empty
gives a path relative to the site that shows the chat, which is where both are served.
"""

from typing import Optional

from forms_catalog.loader import load_catalog
from forms_catalog.model import Catalog

__all__ = ["FORMS_PREFIX", "blank_pdf_url", "form_page_url"]

FORMS_PREFIX = "/formulare"


def _known(form_id: str, catalog: Optional[Catalog]) -> str:
    return (catalog or load_catalog()).get(form_id).id  # UnknownFormError (Romanian)


def form_page_url(form_id: str, base_url: str = "", catalog: Optional[Catalog] = None) -> str:
    """The page where the form is filled and signed online (phone, tablet or computer),
    then downloaded as a PDF sealed by the city hall: ``/formulare/<form_id>``.

    Raises:
        UnknownFormError: ``form_id`` is not in the catalog.
    """
    return f"{base_url.rstrip('/')}{FORMS_PREFIX}/{_known(form_id, catalog)}"


def blank_pdf_url(form_id: str, base_url: str = "", catalog: Optional[Catalog] = None) -> str:
    """The blank interactive PDF of the form: ``/formulare/<form_id>.pdf``.

    Raises:
        UnknownFormError: ``form_id`` is not in the catalog.
    """
    return f"{base_url.rstrip('/')}{FORMS_PREFIX}/{_known(form_id, catalog)}.pdf"
