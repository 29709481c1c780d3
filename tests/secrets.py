"""Look for secrets in what a server said: its logs, HTTP bodies and headers, websocket
frames, e-mails. For every test that checks a secret never leaks (the database URL's
password, the seal passphrase, SMTP credentials, …)::

    scan = SecretScan({"database password": "S3cret-pg-9f2"})
    scan.add_file(rasa_log)
    scan.add("GET /console/ (503)", body)
    scan.assert_clean()

A secret is looked for as it is and as code would write it elsewhere: percent-encoded
(in a URL), JSON-escaped, ``repr``-escaped and base64 (an ``Authorization: Basic``
header, SMTP ``AUTH PLAIN``).
"""

import base64
import json
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Tuple
from urllib.parse import quote, quote_plus

ROOT = Path(__file__).resolve().parents[1]
#: A secret shorter than this would match ordinary text by chance.
MIN_SECRET_CHARS = 8
#: What an error page must never show: a stack trace, the code's location, the
#: framework or driver behind it, the name of a setting.
INTERNALS = (
    "Traceback",
    'File "',
    "sanic.",
    "sqlalchemy",
    "psycopg2",
    "DATABASE_URL",
    "SEAL_",
    "SMTP_",
    str(ROOT),
)


def encodings(secret: str) -> List[str]:
    """The forms in which ``secret`` could appear in a log line or a response."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
        base64.b64encode(secret.encode()).decode().rstrip("="),
    }
    return sorted(forms)


class SecretScan:
    """Secrets by name, and the texts captured so far (``where`` → text)."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        for name, value in secrets.items():
            if len(value) < MIN_SECRET_CHARS:
                raise ValueError(f"secret {name!r} is too short to scan for ({len(value)} characters)")
        self.secrets = dict(secrets)
        self.texts: Dict[str, str] = {}

    def add(self, where: str, text: "str | bytes") -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.texts[where] = self.texts.get(where, "") + text

    def add_file(self, path: Path) -> None:
        self.add(str(path), path.read_bytes() if path.exists() else b"")

    def add_all(self, captured: Iterable[Tuple[str, "str | bytes"]]) -> None:
        for where, text in captured:
            self.add(where, text)

    def leaks(self) -> List[str]:
        """``name in where: …context…`` for each secret found in a captured text."""
        found = []
        for name, secret in self.secrets.items():
            for form in encodings(secret):
                for where, text in self.texts.items():
                    at = text.find(form)
                    if at >= 0:
                        context = text[max(0, at - 60) : at + len(form) + 20].replace(form, "«SECRET»")
                        found.append(f"{name} in {where}: …{context}…")
        return found

    def assert_clean(self) -> None:
        assert self.texts, "nothing was captured: the scan would pass whatever the server said"
        leaks = self.leaks()
        assert not leaks, "secrets leaked:\n" + "\n".join(leaks)


def assert_no_internals(body: "str | bytes") -> None:
    """An error page a person reads shows no stack trace, code path, driver or setting."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    shown = [word for word in INTERNALS if word.lower() in body.lower()]
    assert not shown, f"internals on an error page {shown}: {body[:500]}"
