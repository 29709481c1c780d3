"""What every page the site sends carries, and what every state-changing request must be.

- Security headers on every response of the site (a response middleware of the channel's
  blueprint): the console's strict policy for pages, ``nosniff`` and framing rules for
  files and PDFs, and ``Strict-Transport-Security`` when the deployment sets
  ``hsts_seconds`` (behind HTTPS; ``cookie_secure`` then marks the cookies ``Secure``).
- The Origin of every state-changing request to the console and the audit view (and of
  the console's websocket) must be this site: a page elsewhere cannot act with a
  clerk's cookie, whatever ``SameSite`` a browser applies.
- JSON bodies: the right Content-Type, a size limit and a depth limit, before parsing
  is trusted (a frame nested 1,000 deep made wave 1 answer 500).
"""

from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse

from livechat import door

#: The pages' policy: scripts and styles only from this site's files, no framing.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
}
# What every response gets when its route set nothing stricter.
_BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
MAX_JSON_BYTES = 64 * 1024
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
GUARDED_PREFIXES = ("/console",)


class BadBody(ValueError):
    """A request body refused before use; ``status`` and a Romanian ``message``."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def add_headers(resp: HTTPResponse, hsts_seconds: int = 0) -> None:
    """Complete ``resp`` with the headers every response of the site carries."""
    content_type = (resp.content_type or "").split(";")[0].strip()
    for name, value in _BASELINE.items():
        resp.headers.setdefault(name, value)
    if content_type == "application/pdf":
        # Chrome's and Firefox's viewers show it in a frame of this site's pages.
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    elif content_type in ("text/html", "application/json", "text/plain"):
        for name in ("X-Frame-Options", "Content-Security-Policy"):
            resp.headers.setdefault(name, SECURITY_HEADERS[name])
    if hsts_seconds > 0:
        resp.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")


def same_origin(request: Request) -> bool:
    """Whether the request comes from this site's pages (no Origin: not a browser page
    of another site, which always sends one on a state-changing request)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == (request.host or "").lower()


def needs_same_origin(request: Request) -> bool:
    return request.method in STATE_CHANGING and request.path.startswith(GUARDED_PREFIXES)


def parse_json(raw: Optional[bytes], *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """:func:`livechat.door.parse_json` (size and depth limits) raising :class:`BadBody`."""
    try:
        return door.parse_json(raw or b"{}", max_bytes=max_bytes)
    except door.Refused as refused:
        raise BadBody(refused.code, refused.message, refused.status) from None


def json_object(request: Request) -> Dict[str, Any]:
    """The JSON object of an API request: ``Content-Type: application/json``, within the
    limits; :class:`BadBody` otherwise (nothing changed)."""
    if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
        raise BadBody("unsupported_media_type", "Cererea trebuie trimisă ca JSON (application/json).", 415)
    body = parse_json(request.body)
    if not isinstance(body, dict):
        raise BadBody("malformed", "Cererea trebuie să fie un obiect JSON.", 400)
    return body
