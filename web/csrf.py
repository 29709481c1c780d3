"""CSRF tokens of the site's HTML forms that change state (signed double-submit).

Every page with such a form (the console's and the archive's login, and their "Ieșire"
button) sets a random value in the cookie ``efc_csrf`` (HttpOnly, SameSite=Strict,
Path=/console) and puts its HMAC, under this server's key, in a hidden ``csrf_token``
field. A form POST is taken only if the field is the HMAC of the cookie: a page of
another site can neither read the cookie nor compute the HMAC of one it plants.

JSON requests carry no token: another site's page cannot send ``application/json``
without a CORS preflight this server never grants, and :mod:`web.security` refuses a
foreign Origin anyway.

The key is ``CSRF_SECRET`` (at least 32 characters; set the same on every instance behind
a load balancer), else a random key for this process: a form loaded before a restart is
then refused once, with a fresh form and a message to submit it again.
"""

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from typing import Mapping, Optional, Tuple

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

COOKIE = "efc_csrf"
FIELD = "csrf_token"
SECRET_ENV = "CSRF_SECRET"
MIN_SECRET_CHARS = 32
#: Where the hidden field goes in a page's form.
PLACEHOLDER = "<!--csrf-->"
#: What a person reads when a form is refused; the page comes back with a fresh form.
EXPIRED = (
    "Formularul a expirat sau nu a fost trimis din această pagină. Reîncărcați pagina și încercați din nou."
)
_NONCE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class CsrfTokens:
    """Issues and checks the tokens of one server (one key)."""

    def __init__(self, key: bytes, cookie_secure: bool = False) -> None:
        if len(key) < MIN_SECRET_CHARS:
            raise ValueError(f"the CSRF key must have at least {MIN_SECRET_CHARS} bytes")
        self._key = key
        self.cookie_secure = cookie_secure

    @classmethod
    def from_environment(cls, cookie_secure: bool, env: Optional[Mapping[str, str]] = None) -> "CsrfTokens":
        """The key of ``CSRF_SECRET``, else a random one for this process."""
        env = os.environ if env is None else env
        secret = env.get(SECRET_ENV, "")
        if not secret:
            logger.info("site: %s not set; CSRF tokens use a key of this process", SECRET_ENV)
            return cls(secrets.token_bytes(32), cookie_secure)
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"{SECRET_ENV} must have at least {MIN_SECRET_CHARS} characters "
                f"(it has {len(secret)}); e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return cls(secret.encode(), cookie_secure)

    def _sign(self, nonce: str) -> str:
        return _b64(hmac.new(self._key, f"csrf:{nonce}".encode(), hashlib.sha256).digest())

    @staticmethod
    def _nonce(request: Request) -> Optional[str]:
        value = request.cookies.get(COOKIE)
        return value if isinstance(value, str) and _NONCE.match(value) else None

    def render(self, request: Request, html: str) -> Tuple[str, str]:
        """``html`` with its form's hidden field, and the cookie value it belongs to (the
        browser's, kept so that a form open in another tab stays valid, or a new one)."""
        nonce = self._nonce(request) or _b64(secrets.token_bytes(32))
        field = f'<input type="hidden" name="{FIELD}" value="{self._sign(nonce)}">'
        return html.replace(PLACEHOLDER, field), nonce

    def set_cookie(self, resp: HTTPResponse, nonce: str) -> None:
        resp.cookies[COOKIE] = nonce
        cookie = resp.cookies[COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/console"
        if self.cookie_secure:
            cookie["secure"] = True

    def form_ok(self, request: Request) -> bool:
        """Whether a POST may change state: JSON, or a form whose token is the cookie's."""
        if (request.content_type or "").split(";")[0].strip().lower() == "application/json":
            return True
        nonce = self._nonce(request)
        if nonce is None:
            return False
        # Sanic logs and drops a body it cannot parse as a form: no token, refused.
        sent = request.form.get(FIELD)
        # As bytes: compare_digest raises on a str that is not ASCII (a hostile token).
        return isinstance(sent, str) and hmac.compare_digest(sent.encode(), self._sign(nonce).encode())


def tokens(request: Request) -> CsrfTokens:
    """This server's tokens (made before the server starts, :mod:`web.site`)."""
    found: CsrfTokens = request.app.ctx.csrf
    return found


def page(request: Request, html: str, status: int, headers: Mapping[str, str]) -> HTTPResponse:
    """An HTML page whose form gets this browser's CSRF token (and its cookie)."""
    guard = tokens(request)
    rendered, nonce = guard.render(request, html)
    resp = response.html(rendered, status=status, headers=dict(headers))
    guard.set_cookie(resp, nonce)
    return resp
