"""Filled, sealed PDFs kept for the citizen to download: ``var/filled/<token>.pdf``.

The chat's guided filling (livechat/filled_forms.py) keeps the PDF it filled and sealed
here and sends the citizen the link ``/formulare/completate/<token>.pdf``, which the form
pages' module serves (web/forms.py). The token is random (256 bits) and is the only name
of the file: nobody can list or guess the documents. A filled PDF holds a citizen's
personal data (CNP, address), so it is kept only ``FILLED_FORMS_HOURS`` hours (default
24): older files are deleted whenever a new one is kept, and refused when asked for.

Settings (environment): ``FILLED_FORMS_DIR`` (default ``<repo>/var/filled``, never in git)
and ``FILLED_FORMS_HOURS``. Nothing happens at import; the folder is made on first save.
"""

import os
import re
import secrets
import time
from pathlib import Path
from typing import Callable, Mapping, Optional

from forms_catalog.errors import CatalogError
from forms_catalog.links import FORMS_PREFIX

__all__ = ["DOWNLOAD_PREFIX", "FilledStore", "download_path"]

REPO_DIR = Path(__file__).resolve().parent.parent
ENV_DIR = "FILLED_FORMS_DIR"
ENV_HOURS = "FILLED_FORMS_HOURS"
DEFAULT_HOURS = 24.0
DOWNLOAD_PREFIX = f"{FORMS_PREFIX}/completate"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


def download_path(token: str) -> str:
    """Where the citizen downloads the kept PDF: ``/formulare/completate/<token>.pdf``."""
    return f"{DOWNLOAD_PREFIX}/{token}.pdf"


class FilledStore:
    """The folder of kept PDFs; each is written once, read by its token, then expires."""

    def __init__(self, directory: Path, hours: float = DEFAULT_HOURS, clock: Callable[[], float] = time.time):
        self.directory = directory
        self.seconds = hours * 3600
        self.clock = clock

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "FilledStore":
        """The store of the ``FILLED_FORMS_*`` settings.

        Raises:
            CatalogError: ``FILLED_FORMS_HOURS`` is not a positive number (the message names it).
        """
        environ = os.environ if environ is None else environ
        directory = Path(environ.get(ENV_DIR, "").strip() or REPO_DIR / "var" / "filled")
        raw = environ.get(ENV_HOURS, "").strip()
        try:
            hours = float(raw) if raw else DEFAULT_HOURS
        except ValueError:
            hours = -1.0
        if not 0 < hours <= 24 * 365:
            raise CatalogError([f"{ENV_HOURS} must be a number of hours between 0 and 8760, not {raw!r}"])
        return cls(directory, hours)

    def _path(self, token: str) -> Optional[Path]:
        return self.directory / f"{token}.pdf" if _TOKEN.match(token) else None

    def _expired(self, path: Path) -> bool:
        return self.clock() - path.stat().st_mtime > self.seconds

    def purge(self, before: Optional[float] = None) -> int:
        """Delete every kept PDF older than the setting (and, with ``before``, every one
        written before that time: the archive's retention cutoff); returns how many."""
        if not self.directory.is_dir():
            return 0
        removed = 0
        for path in self.directory.glob("*.pdf"):
            try:
                if self._expired(path) or (before is not None and path.stat().st_mtime < before):
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another process removed it meanwhile
                continue
        return removed

    def save(self, pdf: bytes) -> str:
        """Keep ``pdf`` under a new random token (the expired ones are deleted first)."""
        self.purge()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(32)
        path = self.directory / f"{token}.pdf"
        partial = path.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pdf)
        os.replace(partial, path)  # a reader never sees half a file
        return token

    def discard(self, token: str) -> None:
        """Delete the PDF kept under ``token`` (it could not be recorded, so it is not sent)."""
        path = self._path(token)
        if path is not None:
            path.unlink(missing_ok=True)

    def read(self, token: str) -> Optional[bytes]:
        """The PDF kept under ``token``; ``None`` for a malformed, unknown or expired one."""
        path = self._path(token)
        if path is None:
            return None
        try:
            if self._expired(path):
                path.unlink()
                return None
            return path.read_bytes()
        except FileNotFoundError:
            return None
