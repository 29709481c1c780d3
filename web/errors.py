"""The error pages of the whole server, in place of the ones Sanic renders itself.

A path no route knows (404), a method a route does not take (405), a request Sanic
cannot parse (400), one too large (413) or too slow (408), and any exception no route
handled (500) get a short Romanian page — JSON ``{"error", "message"}`` for an API
client — with the site's security headers (:func:`install` makes those a middleware of
the whole app, not only of the channel's routes). Nothing of the request, no stack
trace and no setting is ever shown; a 500 is logged with its traceback for the
maintainers.

Rasa's own error responses (``ErrorResponse`` of its HTTP API) and the channel's
handlers (a database outage is a 503) are more specific and still apply.
"""

import logging
from typing import Any, Callable, Dict, Tuple

from sanic import response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from web.security import SECURITY_HEADERS, add_headers

logger = logging.getLogger(__name__)

#: status → (code, what a person reads).
MESSAGES: Dict[int, Tuple[str, str]] = {
    400: ("bad_request", "Cererea nu este validă și nu a putut fi citită; nu s-a schimbat nimic."),
    401: ("login_required", "Pentru această pagină trebuie să vă autentificați."),
    403: ("forbidden", "Nu aveți acces la această pagină."),
    404: ("not_found", "Pagina căutată nu există. Verificați adresa sau mergeți la pagina principală."),
    405: ("method_not_allowed", "Această adresă nu se poate folosi așa (metoda HTTP nu este permisă)."),
    408: ("request_timeout", "Cererea a durat prea mult și a fost oprită; încercați din nou."),
    413: ("too_large", "Cererea este prea mare și nu a fost primită."),
    414: ("uri_too_long", "Adresa cererii este prea lungă și nu a fost primită."),
    416: ("range_not_satisfiable", "Partea cerută din fișier nu există."),
    417: ("expectation_failed", "Cererea nu este validă și nu a putut fi citită; nu s-a schimbat nimic."),
    500: ("internal_error", "A apărut o eroare neprevăzută; nu s-a schimbat nimic. Încercați din nou peste câteva momente."),
    503: ("unavailable", "Serviciul nu este disponibil acum. Încercați din nou peste câteva minute."),
}  # fmt: skip
_PAGE = """<!doctype html>
<html lang="ro">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Primăria Orașului Măgurele</title></head>
<body><main><h1>{title}</h1><p>{message}</p><p><a href="/demo">Pagina principală</a></p></main></body>
</html>
"""
_TITLES = {404: "Pagina nu există", 405: "Metodă nepermisă", 500: "Eroare", 503: "Serviciu indisponibil"}


def html_page(title: str, message: str, status: int) -> HTTPResponse:
    """A short Romanian page of fixed texts (never request data), with the site's headers."""
    return response.html(_PAGE.format(title=title, message=message), status=status, headers=SECURITY_HEADERS)


def _status(request: Request, error: BaseException) -> int:
    if not isinstance(error, SanicException):
        # Raised before any route was chosen: Sanic 21.12 could not read the request
        # (``Content-Length: abc`` is a ValueError in its parser), the client's fault.
        return 400 if request is None or getattr(request, "route", None) is None else 500
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) and 400 <= status <= 599 else 500


def _wants_json(request: Request) -> bool:
    path = request.path if request is not None else ""
    if "/api/" in path or path.startswith("/webhooks/"):
        return True
    accept = (request.headers.get("accept", "") if request is not None else "").lower()
    return "application/json" in accept and "text/html" not in accept


def error_response(request: Request, error: BaseException) -> HTTPResponse:
    """The Romanian error page (or JSON) for ``error``; only fixed texts of this module."""
    status = _status(request, error)
    if status == 400 and not isinstance(error, SanicException):
        logger.warning("server: a request that could not be read: %s", type(error).__name__)
    if status >= 500:
        where = f"{request.method} {request.path}" if request is not None else "?"
        logger.error("server: %s failed", where, exc_info=error)
    code, message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    headers = dict(SECURITY_HEADERS)
    allow = (getattr(error, "headers", None) or {}).get("Allow")
    if status == 405 and isinstance(allow, str):
        headers["Allow"] = allow
    if request is not None and _wants_json(request):
        resp = response.json(
            {"error": code, "message": message}, status=status, headers=headers, ensure_ascii=False
        )
    else:
        title = _TITLES.get(status, "Cerere refuzată" if status < 500 else "Eroare")
        resp = html_page(title, message, status)
        resp.headers.update(headers)
    return resp


def install(app: Any, hsts_seconds: int) -> None:
    """Make these the app's error pages, and the security headers a middleware of every
    response of the app (the channel's routes, Rasa's own, and the error pages)."""

    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        add_headers(resp, hsts_seconds)

    handler: Callable[[Request, BaseException], HTTPResponse] = error_response
    app.error_handler.add(Exception, handler)
    app.register_middleware(security_headers, "response")
