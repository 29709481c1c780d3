"""The department's saved replies: the admins' page that manages them, and the console's
list of them for the reply picker (issue 19).

The page is plain HTML forms (no script), each with this site's CSRF token
(:mod:`web.csrf`), behind the admin login of the dashboard (role ``admin``; an auditor
gets 403). A refused change (empty title, too long a text, a title already used, a
form not sent from this page) comes back as the page with the error and what the admin
typed, and changes nothing; a change made redirects to the page with what was done.

=========================================================  ================================
``GET  /console/audit/admin/raspunsuri/``                   the page
``POST /console/audit/admin/raspunsuri/``                   a new reply (``title``, ``text``)
``POST /console/audit/admin/raspunsuri/<id>``               edits reply ``id``
``POST /console/audit/admin/raspunsuri/<id>/stergere``      deletes reply ``id``
``GET  /console/api/saved-replies``                         (clerk session) every reply
=========================================================  ================================
"""

import html
import logging
from typing import Any, Dict, Optional, Tuple

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from archive.errors import ArchiveError
from livechat.errors import HandoffError
from livechat.settings import ChannelSettings
from storage import db, saved_replies
from storage.errors import DatabaseUnavailable
from storage.saved_replies import MAX_TEXT_CHARS, MAX_TITLE_CHARS, SavedReplyError
from storage.types import utcnow
from web import admin, audit, csrf
from web.console import STATIC_DIR, clerk_api
from web.security import SECURITY_HEADERS

logger = logging.getLogger(__name__)

PAGE = f"{admin.PREFIX}/raspunsuri/"
DONE = {
    "creat": "Răspunsul a fost salvat.",
    "modificat": "Modificările au fost salvate.",
    "sters": "Răspunsul a fost șters.",
}
UNAVAILABLE = (
    "Baza de date nu este disponibilă acum; nu s-a schimbat nimic. Încercați din nou peste un minut."
)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _fields(title: str, text: str, prefix: str) -> str:
    return (
        f'<label for="{prefix}-title">Titlu</label>'
        f'<input id="{prefix}-title" name="title" type="text" maxlength="{MAX_TITLE_CHARS}" '
        f'value="{_e(title)}" required>'
        f'<label for="{prefix}-text">Text</label>'
        f'<textarea id="{prefix}-text" name="text" rows="4" maxlength="{MAX_TEXT_CHARS}" '
        f"required>{_e(text)}</textarea>"
    )


def _content(
    replies: list, notice: Optional[str], error: Optional[str], draft: Optional[Tuple[str, str, str]]
) -> str:
    """The page's body: the message, the new reply's form, a form for each reply.

    ``draft``: (which form, title, text) the admin sent and that was refused, shown again.
    """
    parts = []
    if notice:
        parts.append(f'<p class="notice" role="status">{_e(notice)}</p>')
    if error:
        parts.append(f'<p class="error" role="alert">{_e(error)}</p>')
    new_title, new_text = (draft[1], draft[2]) if draft and draft[0] == "new" else ("", "")
    parts.append(
        '<section aria-labelledby="new-heading"><h2 id="new-heading">Răspuns nou</h2>'
        f'<form method="post" action="{PAGE}" class="reply-form"><!--csrf-->'
        f"{_fields(new_title, new_text, 'new')}"
        '<div class="actions"><button type="submit">Adăugați răspunsul</button></div></form></section>'
    )
    items = []
    for reply in replies:
        title, text = reply.title, reply.text
        if draft and draft[0] == str(reply.id):
            title, text = draft[1], draft[2]
        items.append(
            f'<li class="saved" data-id="{reply.id}"><h3>{_e(reply.title)}</h3>'
            f'<form method="post" action="{PAGE}{reply.id}" class="reply-form"><!--csrf-->'
            f"{_fields(title, text, f'r{reply.id}')}"
            f'<div class="actions"><button type="submit" aria-label="Salvați „{_e(reply.title)}”">'
            "Salvați modificările</button></div></form>"
            f'<form method="post" action="{PAGE}{reply.id}/stergere"><!--csrf-->'
            f'<button type="submit" class="danger" aria-label="Ștergeți „{_e(reply.title)}”">'
            "Ștergeți</button></form></li>"
        )
    listing = (
        f'<ul class="saved-list">{"".join(items)}</ul>'
        if items
        else '<p class="summary">Nu există încă răspunsuri salvate.</p>'
    )
    parts.append(
        '<section aria-labelledby="list-heading"><h2 id="list-heading">Răspunsurile salvate</h2>'
        f"{listing}</section>"
    )
    return "".join(parts)


def _list(engine: Any) -> list:
    with db.db_errors("read the saved replies"), engine.connect() as conn:
        return saved_replies.all_replies(conn)


def _change(engine: Any, action: str, reply_id: Optional[int], form: Dict[str, Any], by: str) -> None:
    try:
        with db.db_errors(f"{action} saved reply {reply_id}"), db.write_transaction(engine) as conn:
            if action == "create":
                saved_replies.create(conn, form.get("title"), form.get("text"), by, utcnow())
            elif action == "update":
                assert reply_id is not None
                saved_replies.update(conn, reply_id, form.get("title"), form.get("text"), by, utcnow())
            else:
                assert reply_id is not None
                saved_replies.delete(conn, reply_id)
    except sa.exc.IntegrityError:
        # Two admins saving the same title at once: the database's unique key decided.
        title = " ".join(str(form.get("title") or "").split())
        raise SavedReplyError(f"Există deja un răspuns cu titlul „{title}”. Alegeți alt titlu.") from None


def add_routes(bp: Blueprint, settings: ChannelSettings) -> None:
    """Add the saved replies' page (admins) and the console's list (clerks)."""

    def engine(request: Request) -> Any:
        return audit._ctx(request.app, settings).audit_archive.engine

    async def page(
        request: Request,
        status: int = 200,
        error: Optional[str] = None,
        draft: Optional[Tuple[str, str, str]] = None,
    ) -> HTTPResponse:
        try:
            replies = await audit._run(_list, engine(request))
        except (ArchiveError, DatabaseUnavailable):
            replies, error, status = [], UNAVAILABLE, 503
        notice = DONE.get(request.args.get("gata", "")) if status == 200 else None
        template = (STATIC_DIR / "saved_replies.html").read_text(encoding="utf-8")
        # csrf.page puts the token in every form (every <!--csrf--> of the page).
        rendered = template.replace("<!--content-->", _content(replies, notice, error, draft))
        return csrf.page(request, rendered, status, SECURITY_HEADERS)

    async def guard(request: Request) -> Optional[HTTPResponse]:
        """None for an admin; else the page's answer (login, 403)."""
        try:
            account = await admin._admin(request, settings)
        except admin.AdminHTTPError as error:
            if error.status == 403:
                return response.text(admin.FORBIDDEN, status=403, headers=SECURITY_HEADERS)
            return response.redirect(f"{audit.PREFIX}/login", headers=SECURITY_HEADERS)
        except ArchiveError:
            return response.text(UNAVAILABLE, status=503, headers=SECURITY_HEADERS)
        request.ctx.admin = account
        return None

    async def change(request: Request, action: str, reply_id: Optional[int], draft_key: str) -> HTTPResponse:
        refused = await guard(request)
        if refused is not None:
            return refused
        form = {key: request.form.get(key) for key in ("title", "text")}
        draft = (draft_key, str(form["title"] or ""), str(form["text"] or ""))
        if not csrf.tokens(request).form_ok(request):
            logger.warning("saved replies: a %s without a valid CSRF token refused", action)
            return await page(request, 403, csrf.EXPIRED, draft)
        try:
            await audit._run(_change, engine(request), action, reply_id, form, request.ctx.admin.username)
        except SavedReplyError as error:
            return await page(request, 404 if isinstance(error, LookupError) else 400, str(error), draft)
        except (ArchiveError, DatabaseUnavailable):
            return await page(request, 503, UNAVAILABLE, draft)
        logger.info("saved replies: %s %s by %s", action, reply_id or "", request.ctx.admin.username)
        done = {"create": "creat", "update": "modificat", "delete": "sters"}[action]
        return response.redirect(f"{PAGE}?gata={done}", status=303, headers=SECURITY_HEADERS)

    @bp.route(PAGE.rstrip("/"), methods=["GET"], strict_slashes=True)
    async def saved_root(request: Request) -> HTTPResponse:
        return response.redirect(PAGE)

    @bp.route(PAGE, methods=["GET"], strict_slashes=True)
    async def saved_page(request: Request) -> HTTPResponse:
        return await guard(request) or await page(request)

    @bp.route(PAGE, methods=["POST"], strict_slashes=True)
    async def saved_create(request: Request) -> HTTPResponse:
        return await change(request, "create", None, "new")

    @bp.route(f"{PAGE}<reply_id:int>", methods=["POST"])
    async def saved_update(request: Request, reply_id: int) -> HTTPResponse:
        return await change(request, "update", reply_id, str(reply_id))

    @bp.route(f"{PAGE}<reply_id:int>/stergere", methods=["POST"])
    async def saved_delete(request: Request, reply_id: int) -> HTTPResponse:
        return await change(request, "delete", reply_id, str(reply_id))

    @bp.route("/console/api/saved-replies", methods=["GET"])
    @clerk_api
    async def console_saved_replies(request: Request, clerk: Any) -> Any:
        store_engine = request.app.ctx.handoff.store.engine
        try:
            replies = await db.run(store_engine, _list, store_engine)
        except DatabaseUnavailable:
            raise HandoffError(
                "unavailable", "Răspunsurile salvate nu se pot citi acum; reîncercați.", 503
            ) from None
        return {"replies": [reply.as_json() for reply in replies]}
