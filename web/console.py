"""The clerks' console: login, presence, queue, takeover, live updates — and its API.

Every route under ``/console/`` except the login page and its style requires a valid session cookie
(``efc_session``: random token, stored hashed, expires after ``session_ttl_minutes``).
API errors are JSON ``{"error": code, "message": "…in Romanian…"}`` with an HTTP status.

=====================================================  ===================================
``GET  /console/login``, ``POST /console/login``       login page / form or JSON login
``GET  /console/login.css``                            the login page's style (public)
``POST /console/logout``                               ends the session
``GET  /console/``                                     the console page
``GET  /console/static/<file>``                        its script and style
``WS   /console/ws``                                   live updates (snapshot, queue, …)
``GET  /console/api/me``                               the clerk and the whole snapshot
``POST /console/api/presence``                         ``{"presence": "activ"}``
``GET  /console/api/queue``                            queued conversations + transcripts
``GET  /console/api/conversations/<id>``               one conversation (queued or own)
``POST /console/api/conversations/<id>/takeover``      409 if another clerk was faster
``POST /console/api/conversations/<id>/message``       ``{"text": "…"}``
``POST /console/api/conversations/<id>/card``          ``{"form_id": "…"}`` procedure card
``POST /console/api/conversations/<id>/pdf``           ``{"form_id": "…"}`` blank PDF link
``POST /console/api/conversations/<id>/transfer``      ``{"to": "username"}``
``POST /console/api/conversations/<id>/release``       back to the bot
``POST /console/api/conversations/<id>/close``         closes it; optional ``{"flag":
                                                       "limbaj_jignitor"|"spam"|"altul",
                                                       "note": "…"}`` (note required for altul)
``POST /console/api/conversations/<id>/redirect``      ``{"hint_id": n}``: sends the
                                                       infrastructure redirect of a hint
``POST /console/api/conversations/<id>/note``          ``{"text": "…"}``: an internal note
                                                       (clerks and auditors only)
``GET  /console/api/conversations/<id>/earlier``       the citizen's earlier conversations
                                                       (same browser or filing)
``GET  /console/api/conversations/<id>/earlier/<o>``   one of them, read-only
``GET  /console/api/saved-replies``                    the department's saved replies
``GET  /console/api/forms``                            catalog forms, for the card menu
``GET  /console/api/forms/<id>/card``                  the sections a reply may start from ("/" picker)
=====================================================  ===================================
"""

import asyncio
import functools
import json
import logging
import math
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, TypeVar

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from websockets.exceptions import ConnectionClosed

from livechat.channel import strict_text
from livechat.copy import count_text
from livechat.errors import HandoffError
from livechat.limits import LoginThrottle
from livechat.service import HandoffService
from livechat.settings import ChannelSettings
from livechat.shared_limits import SharedLoginThrottle
from livechat.store import Clerk
from livechat.tables import CLERK, QUEUED, utcnow
from storage import passwords
from web import csrf, errors
from web.security import SECURITY_HEADERS, BadBody, json_object, parse_json, same_origin

logger = logging.getLogger(__name__)
T = TypeVar("T")

STATIC_DIR = Path(__file__).with_name("static")
COOKIE = "efc_session"
CONSOLE_FILES = {
    "console.js": "application/javascript; charset=utf-8",
    "console-filling.js": "application/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
LOGIN_ERROR = "Utilizator sau parolă greșită."


def _error(error: HandoffError) -> HTTPResponse:
    return response.json(
        {"error": error.code, "message": error.message}, status=error.status, headers=SECURITY_HEADERS
    )


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return response.json(data, status=status, headers=SECURITY_HEADERS, ensure_ascii=False)


def _body(request: Request) -> Dict[str, Any]:
    """The JSON object of a request (:func:`web.security.json_object`), or HandoffError."""
    if not request.body:
        return {}  # an action without parameters (takeover, release)
    try:
        return json_object(request)
    except BadBody as bad:
        raise HandoffError(bad.code, bad.message, status=bad.status) from None


def current_clerk(request: Request) -> Optional[Clerk]:
    service: HandoffService = request.app.ctx.handoff
    token = request.cookies.get(COOKIE)
    clerk = service.store.session_clerk(token, utcnow()) if token else None
    if clerk is not None:
        service.store.touch_clerks([clerk.id], utcnow())
    return clerk


Handler = Callable[..., Awaitable[HTTPResponse]]


def clerk_api(handler: Callable[..., Awaitable[Any]]) -> Handler:
    """An API route: 401 without a valid session; HandoffError becomes its JSON error."""

    @functools.wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        clerk = current_clerk(request)
        if clerk is None:
            return _error(
                HandoffError("login_required", "Sesiunea a expirat sau nu sunteți autentificat.", 401)
            )
        try:
            result = await handler(request, clerk, *args, **kwargs)
        except HandoffError as error:
            return _error(error)
        return result if isinstance(result, HTTPResponse) else _json(result)

    return wrapped


def _page(request: Request, name: str) -> HTTPResponse:
    """A console page; its "Ieșire" form gets the browser's CSRF token."""
    return csrf.page(request, (STATIC_DIR / name).read_text(encoding="utf-8"), 200, SECURITY_HEADERS)


def _login_page(request: Request, error: Optional[str] = None, status: int = 200) -> HTTPResponse:
    html = (STATIC_DIR / "login.html").read_text(encoding="utf-8")
    # Only fixed texts of this module go into the page, never request data.
    notice = f'<p class="error" role="alert">{error}</p>' if error else ""
    return csrf.page(request, html.replace("<!--error-->", notice), status, SECURITY_HEADERS)


LOGOUT_REFUSED = (
    "Ieșirea nu a fost făcută: formularul nu a venit din pagina consolei. "
    "Reîncărcați pagina și apăsați din nou „Ieșire”."
)


def login_throttle(app: Any) -> LoginThrottle:
    """The throttle of this server's logins: counted in Redis when several instances run."""
    if not hasattr(app.ctx, "login_throttle"):
        settings = app.ctx.handoff.settings if hasattr(app.ctx, "handoff") else None
        if settings is not None and settings.redis_url:
            app.ctx.login_throttle = SharedLoginThrottle(
                settings.redis_url, f"{settings.redis_channel}:login"
            )
        else:
            app.ctx.login_throttle = LoginThrottle()
    throttle: LoginThrottle = app.ctx.login_throttle
    return throttle


def client_address(request: Request) -> str:
    """The client's address (Sanic's forwarded address when a proxy is configured)."""
    return str(request.remote_addr or request.ip or "necunoscut")


class TooManyAttempts(Exception):
    """Logins from this client must wait ``seconds``; nothing was checked."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:.0f} s")
        self.seconds = max(1, math.ceil(seconds))

    def message(self) -> str:
        return (
            "Prea multe încercări de autentificare. Reîncercați peste "
            f"{count_text(self.seconds, 'o secundă', 'secunde')}."
        )


async def guarded_login(
    request: Request, scope: str, username: str, check: Callable[[], Awaitable[Optional[T]]]
) -> Optional[T]:
    """``check()`` (a password check) under the login throttle of ``scope``.

    Raises :class:`TooManyAttempts` when this address, or this account from this address,
    must still wait; an account guessed at from everywhere only slows down (see
    :class:`livechat.limits.LoginThrottle`). Returns what ``check`` returned, None for a
    failed login.
    """
    throttle = login_throttle(request.app)
    name, address = username[:64].strip().lower(), client_address(request)
    refusing = [f"{scope}:address:{address}", f"{scope}:pair:{name}|{address}"]
    account = f"{scope}:account:{name}"
    wait = await throttle.await_wait(refusing)
    if wait > 0:
        logger.warning("%s: logins for %r from %s must wait %.0f s", scope, name, address, wait)
        raise TooManyAttempts(wait)
    slowdown = min(await throttle.await_wait([account]), LoginThrottle.ACCOUNT_SLOWDOWN)
    if slowdown > 0:
        await asyncio.sleep(slowdown)
    result = await check()
    if result is None:
        await throttle.record_failure([*refusing, account])
    else:
        await throttle.record_success(refusing[1:])
    return result


def _set_session_cookie(resp: HTTPResponse, token: str, settings: ChannelSettings) -> None:
    resp.cookies[COOKIE] = token
    cookie = resp.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/console"
    cookie["max-age"] = int(settings.session_ttl.total_seconds())
    if settings.cookie_secure:
        cookie["secure"] = True


# The card sections a clerk inserts into a reply, in the picker's order and words.
CANNED_SECTIONS = (
    ("documents", "Acte necesare"),
    ("fee", "Taxe"),
    ("deadline", "Termene"),
    ("submit", "Unde se depune"),
    ("pickup", "Ridicare"),
)


def add_routes(bp: Blueprint, settings: ChannelSettings) -> None:
    """Add the console's pages, API and websocket to the channel's blueprint."""

    @bp.route("/console/login", methods=["GET"])
    async def login_page(request: Request) -> HTTPResponse:
        if current_clerk(request) is not None:
            return response.redirect("/console/", headers=SECURITY_HEADERS)
        return _login_page(request)

    @bp.route("/console/login.css", methods=["GET"])
    async def login_style(request: Request) -> HTTPResponse:
        return response.raw(
            (STATIC_DIR / "login.css").read_bytes(),
            content_type="text/css; charset=utf-8",
            headers=SECURITY_HEADERS,
        )

    @bp.route("/console/login", methods=["POST"])
    async def login(request: Request) -> HTTPResponse:
        service: HandoffService = request.app.ctx.handoff
        if not csrf.tokens(request).form_ok(request):
            # Neither the password is checked nor a failure counted: nothing changes.
            logger.warning("handoff: console login form without a valid CSRF token refused")
            return _login_page(request, csrf.EXPIRED, 403)
        wants_json = (request.content_type or "").startswith("application/json")
        if wants_json:
            try:
                body = _body(request)
            except HandoffError as malformed:
                return _error(malformed)
            username, password = body.get("username"), body.get("password")
        else:
            username, password = request.form.get("username"), request.form.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            refused = HandoffError("bad_credentials", "Completați utilizatorul și parola.", 400)
            return _error(refused) if wants_json else _login_page(request, refused.message, 400)
        try:
            clerk = await guarded_login(
                request, "console", username,
                lambda: passwords.off_loop(service.store.authenticate, username[:64], password[:1024]),
            )  # fmt: skip
        except TooManyAttempts as wait:
            refused = HandoffError("too_many_attempts", wait.message(), 429)
            resp = _error(refused) if wants_json else _login_page(request, refused.message, 429)
            resp.headers["Retry-After"] = str(wait.seconds)
            return resp
        if clerk is None:
            logger.info("handoff: failed console login for %r", username[:64])
            refused = HandoffError("bad_credentials", LOGIN_ERROR, 401)
            return _error(refused) if wants_json else _login_page(request, refused.message, 401)
        now = utcnow()
        token = service.store.create_session(clerk.id, now, settings.session_ttl)
        service.store.touch_clerks([clerk.id], now)
        resp = (
            _json({"clerk": clerk.as_json()})
            if wants_json
            else response.redirect("/console/", status=303, headers=SECURITY_HEADERS)
        )
        _set_session_cookie(resp, token, settings)
        return resp

    @bp.route("/console/logout", methods=["POST"])
    async def logout(request: Request) -> HTTPResponse:
        if not csrf.tokens(request).form_ok(request):
            return errors.html_page("Ieșire refuzată", LOGOUT_REFUSED, 403)
        token = request.cookies.get(COOKIE)
        if token:
            request.app.ctx.handoff.store.delete_session(token)
        resp = response.redirect("/console/login", status=303, headers=SECURITY_HEADERS)
        del resp.cookies[COOKIE]
        return resp

    @bp.route("/console", methods=["GET"], strict_slashes=True)
    async def console_root(request: Request) -> HTTPResponse:
        return response.redirect("/console/")

    @bp.route("/console/", methods=["GET"], strict_slashes=True)
    async def console_page(request: Request) -> HTTPResponse:
        if current_clerk(request) is None:
            return response.redirect("/console/login", headers=SECURITY_HEADERS)
        return _page(request, "console.html")

    @bp.route("/console/static/<name>", methods=["GET"])
    async def console_static(request: Request, name: str) -> HTTPResponse:
        if current_clerk(request) is None:
            return response.text("Autentificați-vă în consolă.", status=401, headers=SECURITY_HEADERS)
        if name not in CONSOLE_FILES:
            return response.text("Fișier inexistent.", status=404, headers=SECURITY_HEADERS)
        return response.raw(
            (STATIC_DIR / name).read_bytes(), content_type=CONSOLE_FILES[name], headers=SECURITY_HEADERS
        )

    # -- API ----------------------------------------------------------------------------

    @bp.route("/console/api/me", methods=["GET"])
    @clerk_api
    async def me(request: Request, clerk: Clerk) -> Any:
        return request.app.ctx.handoff.console_snapshot(clerk)

    @bp.route("/console/api/presence", methods=["POST"])
    @clerk_api
    async def presence(request: Request, clerk: Clerk) -> Any:
        updated = await request.app.ctx.handoff.set_presence(clerk, _body(request).get("presence"))
        return {"me": updated.as_json()}

    @bp.route("/console/api/queue", methods=["GET"])
    @clerk_api
    async def queue(request: Request, clerk: Clerk) -> Any:
        return {"items": request.app.ctx.handoff.queue_view()}

    @bp.route("/console/api/forms", methods=["GET"])
    @clerk_api
    async def forms(request: Request, clerk: Clerk) -> Any:
        from forms_catalog import load_catalog

        catalog = load_catalog()
        return {
            "forms": [
                {"id": form.id, "title": form.title, "category": form.category}
                for form in sorted(catalog.forms.values(), key=lambda f: f.title)
            ]
        }

    @bp.route("/console/api/forms/<form_id>/card", methods=["GET"])
    @clerk_api
    async def form_card(request: Request, clerk: Clerk, form_id: str) -> Any:
        """The card sections a clerk may insert into a reply (the "/" picker)."""
        from forms_catalog import load_catalog

        catalog = load_catalog()
        if form_id not in catalog.forms:
            raise HandoffError(
                "unknown_form", f"Formularul „{form_id[:80]}” nu există în catalog.", status=404
            )
        sections = catalog.card_sections(form_id)
        return {
            "form_id": form_id,
            "title": catalog.forms[form_id].title,
            "sections": [
                {"key": key, "label": label, "text": sections[key]}
                for key, label in CANNED_SECTIONS
                if sections.get(key)
            ],
        }

    @bp.route("/console/api/conversations/<conversation_id>", methods=["GET"])
    @clerk_api
    async def conversation(request: Request, clerk: Clerk, conversation_id: str) -> Any:
        service: HandoffService = request.app.ctx.handoff
        found = service._conversation(conversation_id)
        if found.state != QUEUED and not (found.state == CLERK and found.clerk_id == clerk.id):
            raise HandoffError("not_yours", "Puteți vedea doar conversațiile din coadă și pe ale dvs.", 403)
        return service.conversation_view(found)

    def conversation_action(
        path: str, act: Callable[[HandoffService, Clerk, str, Dict[str, Any]], Awaitable[Any]]
    ) -> None:
        async def handler(request: Request, clerk: Clerk, conversation_id: str) -> Any:
            result = await act(request.app.ctx.handoff, clerk, conversation_id, _body(request))
            if hasattr(result, "as_json"):
                return {"message": result.as_json()}
            if isinstance(result, dict):
                return {"conversation": result}
            return {"ok": True}

        handler.__name__ = f"conversation_{path}"
        bp.route(f"/console/api/conversations/<conversation_id>/{path}", methods=["POST"])(clerk_api(handler))

    conversation_action("takeover", lambda s, c, cid, body: s.takeover(c, cid))
    conversation_action("message", lambda s, c, cid, body: s.clerk_message(c, cid, body.get("text")))
    conversation_action("note", lambda s, c, cid, body: s.internal_note(c, cid, body.get("text")))
    conversation_action("card", lambda s, c, cid, body: s.send_card(c, cid, body.get("form_id")))
    conversation_action("pdf", lambda s, c, cid, body: s.send_pdf(c, cid, body.get("form_id")))
    conversation_action("transfer", lambda s, c, cid, body: s.transfer(c, cid, body.get("to")))
    conversation_action("release", lambda s, c, cid, body: s.release(c, cid))
    conversation_action("close", lambda s, c, cid, body: s.close(c, cid, body.get("flag"), body.get("note")))
    conversation_action("redirect", lambda s, c, cid, body: s.send_redirect(c, cid, body.get("hint_id")))

    # The citizen's earlier conversations (same browser, same filing), read-only.
    @bp.route("/console/api/conversations/<conversation_id>/earlier", methods=["GET"])
    @clerk_api
    async def earlier(request: Request, clerk: Clerk, conversation_id: str) -> Any:
        return request.app.ctx.handoff.earlier_conversations(clerk, conversation_id)

    @bp.route("/console/api/conversations/<conversation_id>/earlier/<other_id>", methods=["GET"])
    @clerk_api
    async def earlier_one(request: Request, clerk: Clerk, conversation_id: str, other_id: str) -> Any:
        return request.app.ctx.handoff.earlier_transcript(clerk, conversation_id, other_id)

    # The form the citizen is filling in the chat: the clerk completes it and sends the PDF.
    @bp.route("/console/api/conversations/<conversation_id>/filling", methods=["GET"])
    @clerk_api
    async def filling(request: Request, clerk: Clerk, conversation_id: str) -> Any:
        return await request.app.ctx.handoff.filling(clerk, conversation_id)

    @bp.route("/console/api/conversations/<conversation_id>/filling", methods=["POST"])
    @clerk_api
    async def fill_field(request: Request, clerk: Clerk, conversation_id: str) -> Any:
        return await request.app.ctx.handoff.fill_field(clerk, conversation_id, _body(request))

    @bp.route("/console/api/conversations/<conversation_id>/filling/pdf", methods=["POST"])
    @clerk_api
    async def send_filled(request: Request, clerk: Clerk, conversation_id: str) -> Any:
        return await request.app.ctx.handoff.send_filled(clerk, conversation_id)

    # -- live updates -------------------------------------------------------------------

    @bp.websocket("/console/ws")
    async def console_socket(request: Request, ws: Any) -> None:
        service: HandoffService = request.app.ctx.handoff
        strict_text(ws)
        if not same_origin(request):
            # A page of another site opening the socket with a clerk's cookie gets nothing.
            logger.warning("handoff: console socket from %r refused", request.headers.get("origin"))
            await ws.close(code=4403, reason="cross-origin")
            return
        clerk = current_clerk(request)
        if clerk is None:
            await ws.send(
                json.dumps({"type": "error", "code": "login_required",
                            "message": "Sesiunea a expirat; autentificați-vă din nou."})
            )  # fmt: skip
            await ws.close(code=4401, reason="login required")
            return
        service.hub.add_console(clerk.id, ws)
        token = request.cookies.get(COOKIE)
        try:
            await ws.send(json.dumps(service.console_snapshot(clerk), ensure_ascii=False))
            while True:
                raw = await ws.recv(timeout=30)
                if not token or service.store.session_clerk(token, utcnow()) is None:
                    await ws.send(
                        json.dumps({"type": "error", "code": "login_required",
                                    "message": "Sesiunea a expirat; autentificați-vă din nou."})
                    )  # fmt: skip
                    await ws.close(code=4401, reason="session expired")
                    return
                if raw is None:
                    continue
                try:
                    # Binary, oversize or deeply nested frames are refused, never parsed
                    # by a recursion that closes the socket (wave 1).
                    frame = parse_json(raw.encode()) if isinstance(raw, str) else None
                    code, message = "malformed", "Folosiți API-ul consolei pentru acțiuni."
                except BadBody as bad:
                    frame, code, message = None, bad.code, bad.message
                if isinstance(frame, dict) and frame.get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif isinstance(frame, dict) and frame.get("type") == "typing":
                    try:
                        await service.clerk_typing(clerk, frame.get("conversation_id"))
                    except HandoffError as error:
                        await ws.send(json.dumps(error.frame(), ensure_ascii=False))
                else:
                    await ws.send(json.dumps({"type": "error", "code": code, "message": message}))
        except ConnectionClosed:
            pass
        finally:
            service.hub.remove_console(clerk.id, ws)
            # No state change here: the clerk keeps their conversations during the grace
            # period (a reload, a short network loss); housekeeping requeues them after.
