"""The auditors' archive view in the console (issue 5, "Audit").

Auditors and admins are accounts of the one account table (``python -m archive users
add NAME --role auditor``; a clerk's role opens nothing here): they log in at
``/console/audit/login`` and get their own session cookie (``efc_audit``, path
``/console/audit``, HttpOnly, SameSite=Strict, lifetime ``session_ttl_minutes``). Every search, transcript and export goes through
:class:`archive.audit.AuditSession`, which records it in ``archive_access_log``
before returning it.

Audit sessions are rows of the one sessions table (the token's digest, the account, the
expiry), like the clerks': they survive a restart and every instance sees them. The
account is re-read on every request, so a disabled account or a role taken away closes
its sessions at once.

=====================================================  ===================================
``GET  /console/audit/login``, ``POST …/login``        login page / form or JSON login
``POST /console/audit/logout``                         ends the session
``GET  /console/audit/``                               the archive page
``GET  /console/audit/static/<file>``                  its script and style
``GET  /console/audit/api/me``                         the auditor
``GET  /console/audit/api/search?…``                   ``since``, ``until`` (AAAA-LL-ZZ),
                                                       ``clerk``, ``text``, ``intent``,
                                                       ``flags`` (comma-separated),
                                                       ``speaker``, ``limit``, ``offset``
``GET  /console/audit/api/export/<csv|json>?…``        the whole search as a file
``GET  /console/audit/api/conversations/<id>``         transcript (Europe/Bucharest times)
``GET  /console/audit/api/conversations/<id>/export/<csv|json|pdf>``
``GET  /console/audit/api/access-log``                 the latest views and exports
=====================================================  ===================================

Errors are JSON ``{"error": code, "message": "…in Romanian…"}``: 400 ``invalid_query``,
401 ``login_required``, 403 ``forbidden``, 404 ``unknown_conversation``, 503
``archive_unavailable``.
"""

import asyncio
import functools
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from archive.errors import db_errors
from livechat.settings import ChannelSettings
from storage import db, passwords
from storage.accounts import AccountStore
from storage.types import utcnow
from web import csrf, errors
from web.console import SECURITY_HEADERS, STATIC_DIR, TooManyAttempts, guarded_login

logger = logging.getLogger(__name__)

COOKIE = "efc_audit"
PREFIX = "/console/audit"
AUDIT_FILES = {
    "audit.js": "application/javascript; charset=utf-8",
    "audit.css": "text/css; charset=utf-8",
}
SEARCH_KEYS = ("since", "until", "clerk", "text", "intent", "flags", "speaker")
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
}
LOGIN_ERROR = "Utilizator sau parolă greșită."
FORBIDDEN = "Doar auditorii și administratorii au acces la arhivă."
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class AuditHTTPError(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _ctx(app: Any, settings: ChannelSettings) -> Any:
    """The archive of this app (made on first use)."""
    if not hasattr(app.ctx, "audit_archive"):
        from archive.archive import Archive

        app.ctx.audit_archive = Archive()
    return app.ctx


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return response.json(data, status=status, headers=SECURITY_HEADERS, ensure_ascii=False)


def _error(code: str, message: str, status: int) -> HTTPResponse:
    return _json({"error": code, "message": message}, status)


def _archive_error(error: Exception) -> HTTPResponse:
    """An archive error as the Romanian JSON error the page shows."""
    from archive.errors import (
        ArchiveUnavailable,
        AuthenticationFailed,
        InvalidQuery,
        PermissionDenied,
        UnknownConversation,
        UnknownUser,
    )

    if isinstance(error, UnknownConversation):
        return _error("unknown_conversation", str(error), 404)
    if isinstance(error, InvalidQuery):
        return _error("invalid_query", str(error), 400)
    if isinstance(error, (PermissionDenied, UnknownUser)):
        return _error("forbidden", FORBIDDEN, 403)
    if isinstance(error, AuthenticationFailed):
        return _error("login_required", "Sesiunea a expirat sau nu sunteți autentificat.", 401)
    if isinstance(error, ArchiveUnavailable):
        logger.error("audit: archive unavailable: %s", error)
        return _error(
            "archive_unavailable",
            "Arhiva nu poate fi citită acum. Reîncercați peste câteva minute.",
            503,
        )
    logger.error("audit: %s", error)
    return _error("archive_error", "Operațiunea nu a putut fi făcută în arhivă.", 500)


async def _run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Database and argon2 work off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(func, *args, **kwargs))


def _current_account(request: Request, settings: ChannelSettings) -> Any:
    """The logged-in account (any role), or None; raises archive errors."""
    archive = _ctx(request.app, settings).audit_archive
    with db_errors("read a login session"), archive.engine.connect() as conn:
        return AccountStore.session_account(conn, request.cookies.get(COOKIE), utcnow())


async def _audit_session(request: Request, settings: ChannelSettings) -> Any:
    """An AuditSession for the logged-in auditor, or AuditHTTPError (401/403)."""
    from archive.audit import AuditSession
    from archive.errors import UnknownUser

    try:
        account = await _run(_current_account, request, settings)
    except UnknownUser:
        account = None
    if account is None:
        raise AuditHTTPError(
            "login_required", "Sesiunea a expirat sau nu sunteți autentificat ca auditor.", 401
        )
    if not account.can_audit:
        raise AuditHTTPError("forbidden", FORBIDDEN, 403)
    return AuditSession(_ctx(request.app, settings).audit_archive, account)


def _checked_args(request: Request, allowed: Sequence[str]) -> Dict[str, str]:
    """The query parameters of ``request``, each a known one given once, or a 400: a
    misspelt filter (``flag=``) dropped in silence would widen the search to everything."""
    args: Dict[str, str] = {}
    for key, values in request.args.items():
        if key not in allowed:
            raise AuditHTTPError(
                "invalid_query",
                f"Parametru necunoscut: „{key[:40]}”; se pot folosi: {', '.join(allowed)}.",
                400,
            )
        if len(values) > 1:
            raise AuditHTTPError(
                "invalid_query",
                f"Parametrul {key} apare de mai multe ori; dați-l o singură dată "
                "(mai multe marcaje se despart prin virgulă).",
                400,
            )
        args[key] = values[0]
    return args


def _criteria(request: Request, paging: Sequence[str] = ()) -> Dict[str, Any]:
    """The search criteria of ``request`` (and its ``paging`` parameters), checked."""
    return _checked_args(request, (*SEARCH_KEYS, *paging))


def _attachment(data: bytes, fmt: str, name: str) -> HTTPResponse:
    safe = _SAFE_NAME.sub("_", name)[:80] or "arhiva"
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{safe}.{fmt}"',
    }
    return response.raw(data, content_type=EXPORT_TYPES[fmt], headers=headers)


def _turn(turn: Any, names: Dict[str, str]) -> Dict[str, Any]:
    from archive.audit import SPEAKER_LABELS, local_time_text
    from archive.turns import redirect_label

    d = turn.as_dict()
    d["local_time_text"] = local_time_text(turn.at)
    d["redirect_label"] = redirect_label(turn)
    d["speaker_label"] = SPEAKER_LABELS.get(turn.speaker, turn.speaker)
    d["clerk_name"] = names.get(turn.clerk_id) if turn.clerk_id else None
    d.pop("hash", None)
    d.pop("prev_hash", None)
    return d


def _clerk_names(request: Request, usernames: Any, archive_names: Dict[str, str]) -> Dict[str, str]:
    """Display names: archive accounts first, then the handoff clerks, else the username."""
    names = dict(archive_names)
    service = getattr(request.app.ctx, "handoff", None)
    for username in {u for u in usernames if u}:
        if names.get(username, username) != username:
            continue
        clerk = service.store.clerk_by_username(username) if service is not None else None
        names[username] = clerk.display_name if clerk is not None else username
    return names


def _page(request: Request, name: str, error: Optional[str] = None, status: int = 200) -> HTTPResponse:
    """A page of the archive view; its form gets the browser's CSRF token."""
    html = (STATIC_DIR / name).read_text(encoding="utf-8")
    # Only fixed texts of this module go into the page, never request data.
    notice = f'<p class="error" role="alert">{error}</p>' if error else ""
    return csrf.page(request, html.replace("<!--error-->", notice), status, SECURITY_HEADERS)


LOGOUT_REFUSED = (
    "Ieșirea nu a fost făcută: formularul nu a venit din pagina arhivei. "
    "Reîncărcați pagina și apăsați din nou „Ieșire”."
)


def _set_cookie(resp: HTTPResponse, token: str, settings: ChannelSettings) -> None:
    resp.cookies[COOKIE] = token
    cookie = resp.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = PREFIX
    cookie["max-age"] = int(settings.session_ttl.total_seconds())
    if settings.cookie_secure:
        cookie["secure"] = True


def add_routes(bp: Blueprint, settings: ChannelSettings) -> None:
    """Add the archive view's pages and API to the channel's blueprint."""

    def audit_api(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[HTTPResponse]]:
        @functools.wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            from archive.errors import ArchiveError

            try:
                session = await _audit_session(request, settings)
                result = await handler(request, session, *args, **kwargs)
            except AuditHTTPError as error:
                return _error(error.code, error.message, error.status)
            except ArchiveError as error:
                return _archive_error(error)
            return result if isinstance(result, HTTPResponse) else _json(result)

        return wrapped

    @bp.route(f"{PREFIX}/login", methods=["GET"])
    async def audit_login_page(request: Request) -> HTTPResponse:
        return _page(request, "audit_login.html")

    @bp.route(f"{PREFIX}/login", methods=["POST"])
    async def audit_login(request: Request) -> HTTPResponse:
        from archive.errors import ArchiveError, AuthenticationFailed
        from archive.users import Users

        wants_json = (request.content_type or "").startswith("application/json")

        def fail(code: str, message: str, status: int) -> HTTPResponse:
            return (
                _error(code, message, status)
                if wants_json
                else _page(request, "audit_login.html", message, status)
            )

        if not csrf.tokens(request).form_ok(request):
            # Neither the password is checked nor a failure counted: nothing changes.
            logger.warning("audit: login form without a valid CSRF token refused")
            return fail("csrf", csrf.EXPIRED, 403)
        if wants_json:
            try:
                body = request.json
            except Exception:  # sanic raises InvalidUsage on malformed JSON
                body = None
            if not isinstance(body, dict):
                return fail("malformed", "Cererea nu conține un obiect JSON valid.", 400)
            username, password = body.get("username"), body.get("password")
        else:
            username, password = request.form.get("username"), request.form.get("password")
        if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
            return fail("bad_credentials", "Completați utilizatorul și parola.", 400)
        ctx = _ctx(request.app, settings)
        users = Users(ctx.audit_archive)

        def check() -> Any:
            try:
                return users.authenticate(username[:64], password[:1024])
            except AuthenticationFailed:
                return None

        try:
            account = await guarded_login(request, "audit", username, lambda: passwords.off_loop(check))
        except TooManyAttempts as wait:
            resp = fail("too_many_attempts", wait.message(), 429)
            resp.headers["Retry-After"] = str(wait.seconds)
            return resp
        except ArchiveError as error:
            resp = _archive_error(error)
            return (
                resp
                if wants_json
                else _page(
                    request,
                    "audit_login.html",
                    "Arhiva nu poate fi citită acum. Reîncercați mai târziu.",
                    resp.status,
                )
            )
        if account is None:
            logger.info("audit: failed login for %r", username[:64])
            return fail("bad_credentials", LOGIN_ERROR, 401)
        if not account.can_audit:
            logger.info("audit: %r (role %s) refused", account.username, account.role)
            return fail("forbidden", FORBIDDEN, 403)
        with db_errors("open a login session"), db.write_transaction(ctx.audit_archive.engine) as conn:
            token = AccountStore.create_session(conn, account.id, utcnow(), settings.session_ttl)
        resp = (
            _json({"user": {"username": account.username, "display_name": account.display_name,
                            "role": account.role}})
            if wants_json
            else response.redirect(f"{PREFIX}/", status=303, headers=SECURITY_HEADERS)
        )  # fmt: skip
        _set_cookie(resp, token, settings)
        return resp

    @bp.route(f"{PREFIX}/logout", methods=["POST"])
    async def audit_logout(request: Request) -> HTTPResponse:
        if not csrf.tokens(request).form_ok(request):
            return errors.html_page("Ieșire refuzată", LOGOUT_REFUSED, 403)
        archive = _ctx(request.app, settings).audit_archive
        with db_errors("end a login session"), db.write_transaction(archive.engine) as conn:
            AccountStore.delete_session(conn, request.cookies.get(COOKIE))
        resp = response.redirect(f"{PREFIX}/login", status=303, headers=SECURITY_HEADERS)
        del resp.cookies[COOKIE]
        return resp

    @bp.route(PREFIX, methods=["GET"], strict_slashes=True)
    async def audit_root(request: Request) -> HTTPResponse:
        return response.redirect(f"{PREFIX}/")

    @bp.route(f"{PREFIX}/", methods=["GET"], strict_slashes=True)
    async def audit_page(request: Request) -> HTTPResponse:
        from archive.errors import ArchiveError

        try:
            await _audit_session(request, settings)
        except AuditHTTPError as error:
            if error.status == 403:
                return response.text(FORBIDDEN, status=403, headers=SECURITY_HEADERS)
            return response.redirect(f"{PREFIX}/login", headers=SECURITY_HEADERS)
        except ArchiveError as error:
            return _archive_error(error)
        return _page(request, "audit.html")

    @bp.route(f"{PREFIX}/static/<name>", methods=["GET"])
    async def audit_static(request: Request, name: str) -> HTTPResponse:
        from archive.errors import ArchiveError

        try:
            await _audit_session(request, settings)
        except AuditHTTPError as error:
            return response.text(error.message, status=error.status, headers=SECURITY_HEADERS)
        except ArchiveError as error:
            return _archive_error(error)
        if name not in AUDIT_FILES:
            return response.text("Fișier inexistent.", status=404, headers=SECURITY_HEADERS)
        return response.raw(
            (STATIC_DIR / name).read_bytes(), content_type=AUDIT_FILES[name], headers=SECURITY_HEADERS
        )

    # -- API ----------------------------------------------------------------------------

    @bp.route(f"{PREFIX}/api/me", methods=["GET"])
    @audit_api
    async def audit_me(request: Request, session: Any) -> Any:
        user = session.user
        return {"user": {"username": user.username, "display_name": user.display_name,
                         "role": user.role}}  # fmt: skip

    @bp.route(f"{PREFIX}/api/search", methods=["GET"])
    @audit_api
    async def audit_search(request: Request, session: Any) -> Any:
        criteria = _criteria(request, paging=("limit", "offset"))
        result = await _run(
            session.search,
            limit=criteria.pop("limit", "50"),
            offset=criteria.pop("offset", "0"),
            **criteria,
        )
        archive_names = await _run(session._clerk_names, result.turns)
        names = _clerk_names(request, [t.clerk_id for t in result.turns], archive_names)
        return {
            "total": result.total,
            "limit": result.limit,
            "offset": result.offset,
            "criteria": result.criteria.as_dict(),
            "turns": [_turn(t, names) for t in result.turns],
        }

    @bp.route(f"{PREFIX}/api/export/<fmt>", methods=["GET"])
    @audit_api
    async def audit_export_search(request: Request, session: Any, fmt: str) -> Any:
        if fmt not in ("csv", "json"):
            raise AuditHTTPError("invalid_query", "Rezultatele unei căutări se exportă ca CSV sau JSON.", 400)
        data = await _run(session.export_search, fmt, **_criteria(request))
        return _attachment(data, fmt, "cautare-arhiva")

    @bp.route(f"{PREFIX}/api/conversations/<conversation_id>", methods=["GET"])
    @audit_api
    async def audit_transcript(request: Request, session: Any, conversation_id: str) -> Any:
        transcript = await _run(session.transcript, conversation_id)
        names = _clerk_names(
            request,
            [line.clerk_id for line in transcript.lines],
            {line.clerk_id: line.clerk_name for line in transcript.lines if line.clerk_id},
        )
        lines = []
        for line in transcript.lines:
            name = names.get(line.clerk_id) if line.clerk_id else None
            label, event_label = line.speaker_label, line.event_label
            if name and line.clerk_name != name:
                label = label.replace(str(line.clerk_name), name)
                if event_label:
                    event_label = event_label.replace(f"({line.clerk_name})", f"({name})")
            lines.append({
                "seq": line.seq, "turn_no": line.turn_no, "time": line.time,
                "speaker": line.speaker, "speaker_label": label, "event": line.event,
                "event_label": event_label, "text": line.text, "intent": line.intent,
                "confidence": line.confidence, "form_ids": list(line.form_ids),
                "flags": list(line.flags), "clerk_id": line.clerk_id, "clerk_name": name,
                "redirect_label": line.redirect_label,
            })  # fmt: skip
        clerks = []
        for line in lines:
            if line["clerk_name"] and line["clerk_name"] not in clerks:
                clerks.append(line["clerk_name"])
        return {
            "conversation_id": transcript.conversation_id,
            "started": transcript.started,
            "ended": transcript.ended,
            "clerks": clerks,
            "lines": lines,
        }

    @bp.route(f"{PREFIX}/api/conversations/<conversation_id>/export/<fmt>", methods=["GET"])
    @audit_api
    async def audit_export_conversation(
        request: Request, session: Any, conversation_id: str, fmt: str
    ) -> Any:
        if fmt not in EXPORT_TYPES:
            raise AuditHTTPError("invalid_query", "O conversație se exportă ca CSV, JSON sau PDF.", 400)
        data = await _run(session.export_conversation, conversation_id, fmt)
        return _attachment(data, fmt, f"conversatie-{conversation_id}")

    @bp.route(f"{PREFIX}/api/access-log", methods=["GET"])
    @audit_api
    async def audit_access_log(request: Request, session: Any) -> Any:
        entries = await _run(session.access_log, limit=_checked_args(request, ("limit",)).get("limit", "100"))
        from archive.audit import local_time_text

        return {
            "entries": [
                {"at": e.at.isoformat(), "local_time_text": local_time_text(e.at),
                 "username": e.username, "action": e.action, "target": e.target,
                 "result_count": e.result_count}
                for e in entries
            ]
        }  # fmt: skip
