"""Settings the actions read from the environment, with their defaults in one place."""

import os

# Base of the links the bot sends (blank PDFs are served by the Rasa server itself).
# Empty means links relative to the page that shows the chat, which is the Rasa server.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")


def pdf_url(form_id: str) -> str:
    """Where a citizen downloads the blank interactive PDF of ``form_id``."""
    return f"{PUBLIC_BASE_URL}/formulare/{form_id}.pdf"
