"""The website: the live chat's channel with every page for people.

``credentials.yml`` names this channel; it is :class:`livechat.channel.WebsiteChannel`
(the citizens' websocket) plus the routes of this package:

=================================  ===================================================
``GET  /webhooks/website/static/`` ``widget.js``, ``widget.css``, ``demo.css``
``GET  /demo``                     demo page of the city hall with the widget
``GET  /favicon.ico``              the site's icon (every page a browser opens asks for it)
``GET  /formulare/<id>.pdf``       blank interactive PDF of a catalog form
``/formulare/<id>``                the form filled and signed online (web/forms.py)
``/console/…``                     clerk console (web/console.py)
``/console/audit/…``               auditors' archive view (web/audit.py)
``/depunere/…``                    filing a request online (web/submissions.py)
``/console/cereri/…``              the department queues (web/department.py)
``/console/audit/admin/…``         admins' dashboard, review, facts (web/admin.py), saved
                                   replies (web/saved_replies.py)
=================================  ===================================================
"""

import asyncio
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from forms_catalog import load_catalog
from forms_catalog.pdf import blank_pdf_path
from livechat import channel
from web import admin, audit, console, csrf, department, errors, forms, saved_replies, submissions
from web.security import SECURITY_HEADERS, needs_same_origin, same_origin

STATIC_DIR = Path(__file__).with_name("static")
# Files the widget and the demo page load, and nothing else from the folder.
PUBLIC_FILES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
}
_FORM_FILE = re.compile(r"^([a-z0-9][a-z0-9_]{0,63})\.pdf$")


def _static(name: str) -> HTTPResponse:
    return response.raw(
        (STATIC_DIR / name).read_bytes(),
        content_type=PUBLIC_FILES[name],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


class WebsiteChannel(channel.WebsiteChannel):
    """The citizens' live chat with the city hall's pages, the console and the audit view."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        hsts_seconds = self.settings.hsts_seconds

        @bp.middleware("request")
        async def refuse_other_sites(request: Request) -> Optional[HTTPResponse]:
            if needs_same_origin(request) and not same_origin(request):
                return response.json(
                    {"error": "cross_origin",
                     "message": "Cererea vine de pe alt site; nu s-a schimbat nimic."},
                    status=403, headers=SECURITY_HEADERS,
                )  # fmt: skip
            return None

        @bp.listener("before_server_start")
        async def site_start(app: Any, loop: Any) -> None:
            # For every response of the server: Sanic's own 404/405/400 pages and Rasa's
            # routes too, which a blueprint middleware would never see.
            errors.install(app, hsts_seconds)
            app.ctx.csrf = csrf.CsrfTokens.from_environment(self.settings.cookie_secure)

        @bp.route(f"{channel.CHANNEL_PATH}/static/<name>", methods=["GET"])
        async def static_file(request: Request, name: str) -> HTTPResponse:
            if name not in PUBLIC_FILES:
                return response.text("Fișier inexistent.", status=404)
            return _static(name)

        @bp.route("/favicon.ico", methods=["GET"])
        async def favicon(request: Request) -> HTTPResponse:
            return response.raw(
                (STATIC_DIR / "favicon.ico").read_bytes(),
                content_type="image/x-icon",
                headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"},
            )

        @bp.route("/demo", methods=["GET"])
        async def demo_page(request: Request) -> HTTPResponse:
            return response.html((STATIC_DIR / "demo.html").read_text(encoding="utf-8"))

        @bp.route("/formulare/<filename>", methods=["GET"])
        async def blank_form(request: Request, filename: str) -> HTTPResponse:
            if filename.endswith(".pdf"):
                return await serve_blank_pdf(filename)
            return await forms.form_page(request, filename)

        console.add_routes(bp, self.settings)
        audit.add_routes(bp, self.settings)
        admin.add_routes(bp, self.settings)
        saved_replies.add_routes(bp, self.settings)
        forms.add_routes(bp, self.settings)
        submissions.add_routes(bp)
        department.add_routes(bp)
        return bp


async def serve_blank_pdf(filename: str) -> HTTPResponse:
    """The blank fillable PDF of ``<form_id>.pdf``, or a clear 404 in Romanian."""
    match = _FORM_FILE.match(filename)
    form = load_catalog().forms.get(match.group(1)) if match else None
    if form is None:
        return response.text(
            f"Formularul „{filename[:80]}” nu există în catalogul Primăriei Orașului Măgurele. "
            "Verificați adresa sau cereți formularul în chat.",
            status=404,
        )
    path = await asyncio.get_running_loop().run_in_executor(None, blank_pdf_path, form.id)
    return await response.file(
        str(path),
        mime_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{form.id}.pdf"'},
    )
