"""The admins' dashboard (issue 17): what citizens asked, what the bot could not answer,
how long people waited and whether they were satisfied; the review of unanswered
questions; the card facts to confirm first.

It lives inside the archive view and shares its login (``/console/audit/login``, the
``efc_audit`` session of the one sessions table): only accounts with role ``admin``
open it; an auditor gets 403. Every state-changing request carries this site's Origin
(web/security.py, for every ``/console`` path). What citizens wrote reaches the page only
as JSON, which admin.js puts in the page with ``textContent``, never as HTML. Each view of
citizens' messages (the review) is recorded in ``archive_access_log``.

=====================================================  ====================================
``GET  /console/audit/admin/``                          the page (admin.html)
``GET  /console/audit/admin/static/<file>``             admin.js, admin.css
``GET  /console/audit/admin/api/dashboard?since&until``  every figure (archive/stats.py,
                                                        submissions/stats.py)
``GET  /console/audit/admin/api/csv/<figure>?…``         one figure as CSV
``GET  /console/audit/admin/api/review?since&until``     unanswered questions, grouped
``POST /console/audit/admin/api/review/label``           ``{"seq", "intent", "form_id"}``
``GET  /console/audit/admin/api/review/export``          data/nlu/reviewed.yml (masked)
``GET  /console/audit/admin/api/facts``                  facts to confirm, most-asked first
=====================================================  ====================================

Dates are ``AAAA-LL-ZZ`` Bucharest days. Errors are JSON ``{"error", "message"}`` in
Romanian: 400 ``invalid_query``, 401 ``login_required``, 403 ``forbidden``, 404
``unknown_figure``, 503 ``archive_unavailable``.
"""

import csv
import datetime as dt
import functools
import io
import json
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Set

import yaml
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from archive import daily, review, stats
from archive.errors import ArchiveError, InvalidQuery, UnknownUser, db_errors
from archive.models import AccessRecord
from archive.turns import LOCAL_TZ
from forms_catalog import load_catalog
from forms_catalog.facts import facts_report
from livechat.settings import ChannelSettings
from storage import db
from storage.accounts import ADMIN, AccountStore
from storage.types import utcnow
from submissions.stats import filings_per_form
from web import audit, csrf
from web.console import SECURITY_HEADERS, STATIC_DIR
from web.security import BadBody, json_object

logger = logging.getLogger(__name__)

PREFIX = "/console/audit/admin"
ADMIN_FILES = {
    "admin.js": "application/javascript; charset=utf-8",
    "admin.css": "text/css; charset=utf-8",
}
FORBIDDEN = "Doar administratorii au acces la tabloul de bord."
ROOT = Path(__file__).resolve().parents[1]
DOMAIN_DIR = ROOT / "domain"
MAX_GROUPS = 60


class AdminHTTPError(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def domain_intents(folder: Path = DOMAIN_DIR) -> Set[str]:
    """The intents of the assistant's domain (every ``domain/*.yml``)."""
    found: Set[str] = set()
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents", []) or []:
            found.add(next(iter(item)) if isinstance(item, dict) else str(item))
    return found


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return response.json(data, status=status, headers=SECURITY_HEADERS, ensure_ascii=False)


def _error(code: str, message: str, status: int) -> HTTPResponse:
    return _json({"error": code, "message": message}, status)


def _engine(request: Request, settings: ChannelSettings) -> Any:
    return audit._ctx(request.app, settings).audit_archive.engine


async def _admin(request: Request, settings: ChannelSettings) -> Any:
    """The logged-in admin, or AdminHTTPError (401 not logged in, 403 another role)."""
    try:
        account = await audit._run(audit._current_account, request, settings)
    except UnknownUser:
        account = None
    if account is None:
        raise AdminHTTPError("login_required", "Sesiunea a expirat sau nu sunteți autentificat.", 401)
    if account.disabled or account.role != ADMIN:
        raise AdminHTTPError("forbidden", FORBIDDEN, 403)
    return account


def _period(request: Request) -> stats.Period:
    today = dt.datetime.now(LOCAL_TZ).date()
    since = request.args.get("since") or (today - dt.timedelta(days=29)).isoformat()
    until = request.args.get("until") or today.isoformat()
    return stats.Period.parse(since, until)


def _names(engine: Any, usernames: Set[str]) -> Dict[str, str]:
    with engine.connect() as conn:
        return AccountStore.display_names(conn, usernames)


def figures(engine: Any, period: stats.Period) -> List[stats.Table]:
    """Every figure of the dashboard for ``period``."""
    titles = {form.id: form.title for form in load_catalog().forms.values()}
    daily.refresh(engine)  # counts the turns written since the last load (archive/daily.py)
    with engine.connect() as conn:
        names = AccountStore.display_names(conn, stats.rated_clerks(conn, period))
        return [
            stats.conversations_per_day(conn, period),
            stats.handoff_requests(conn, period),
            stats.queue_wait(conn, period),
            stats.conversation_length(conn, period),
            stats.fallback_rate(conn, period),
            stats.redirects(conn, period),
            stats.forms_asked(conn, period, titles),
            filings_per_form(conn, period, titles),
            stats.ratings(conn, period, names),
            stats.low_ratings(conn, period, names),
        ]


def _cell(value: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def csv_bytes(table: stats.Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([_cell(cell) for cell in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: spreadsheets read ș, ț right


def _attachment(data: bytes, name: str, content_type: str) -> HTTPResponse:
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return response.raw(data, content_type=content_type, headers=headers)


def _record_view(engine: Any, username: str, action: str, target: Dict[str, Any], count: int) -> None:
    with db_errors(f"record {action} by {username}"), db.write_transaction(engine) as conn:
        conn.execute(
            AccessRecord.__table__.insert().values(
                at=utcnow().replace(tzinfo=None), username=username, action=action,
                target=json.dumps(target, sort_keys=True, ensure_ascii=False), result_count=count,
            )
        )  # fmt: skip


def _review(engine: Any, period: stats.Period, username: str) -> Dict[str, Any]:
    with engine.connect() as conn:
        groups = review.group(review.candidates(conn, period))[:MAX_GROUPS]
        seqs = [m.seq for g in groups for m in g.messages[:20]]
        labels = review.labels(conn, seqs)
    shown = sum(min(20, len(g.messages)) for g in groups)
    _record_view(
        engine, username, "admin_review", {"since": str(period.since), "until": str(period.until)}, shown
    )
    catalog = load_catalog()
    return {
        "groups": [g.as_json(labels) for g in groups],
        "intents": sorted(domain_intents()),
        "forms": [{"id": f.id, "title": f.title} for f in catalog.forms.values()],
    }


def _label(engine: Any, body: Dict[str, Any], username: str) -> Dict[str, Any]:
    forms = set(load_catalog().forms)
    with db_errors("label a message"), db.write_transaction(engine) as conn:
        review.label(conn, body.get("seq"), body.get("intent"), body.get("form_id"), username,
                     domain_intents(), forms, utcnow())  # fmt: skip
    return {"seq": body["seq"], "label": {"intent": body["intent"], "form_id": body.get("form_id") or None}}


def _export(engine: Any) -> review.Export:
    with engine.connect() as conn:
        return review.export_yaml(conn, review.heldout_texts())


def _facts(engine: Any) -> Dict[str, Any]:
    with engine.connect() as conn:
        asked = stats.form_mentions(conn)
    found = facts_report(load_catalog(), asked, dt.datetime.now(LOCAL_TZ).date())
    return {"total": len(found), "facts": [f.as_json() for f in found[:300]]}


def add_routes(bp: Blueprint, settings: ChannelSettings) -> None:
    """Add the admin dashboard's pages and API to the channel's blueprint."""

    def admin_api(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[HTTPResponse]]:
        @functools.wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            try:
                account = await _admin(request, settings)
                result = await handler(request, account, *args, **kwargs)
            except AdminHTTPError as error:
                return _error(error.code, error.message, error.status)
            except BadBody as error:
                return _error(error.code, error.message, error.status)
            except InvalidQuery as error:
                return _error("invalid_query", str(error), 400)
            except ArchiveError as error:
                return audit._archive_error(error)
            return result if isinstance(result, HTTPResponse) else _json(result)

        return wrapped

    @bp.route(PREFIX, methods=["GET"], strict_slashes=True)
    async def admin_root(request: Request) -> HTTPResponse:
        return response.redirect(f"{PREFIX}/")

    @bp.route(f"{PREFIX}/", methods=["GET"], strict_slashes=True)
    async def admin_page(request: Request) -> HTTPResponse:
        try:
            await _admin(request, settings)
        except AdminHTTPError as error:
            if error.status == 403:
                return response.text(FORBIDDEN, status=403, headers=SECURITY_HEADERS)
            return response.redirect(f"{audit.PREFIX}/login", headers=SECURITY_HEADERS)
        except ArchiveError as error:
            return audit._archive_error(error)
        # The logout form gets the browser's CSRF token, as the archive view's does.
        return csrf.page(
            request, (STATIC_DIR / "admin.html").read_text(encoding="utf-8"), 200, SECURITY_HEADERS
        )

    @bp.route(f"{PREFIX}/static/<name>", methods=["GET"])
    async def admin_static(request: Request, name: str) -> HTTPResponse:
        try:
            await _admin(request, settings)
        except AdminHTTPError as error:
            return response.text(error.message, status=error.status, headers=SECURITY_HEADERS)
        except ArchiveError as error:
            return audit._archive_error(error)
        if name not in ADMIN_FILES:
            return response.text("Fișier inexistent.", status=404, headers=SECURITY_HEADERS)
        return response.raw((STATIC_DIR / name).read_bytes(), content_type=ADMIN_FILES[name],
                            headers=SECURITY_HEADERS)  # fmt: skip

    @bp.route(f"{PREFIX}/api/dashboard", methods=["GET"])
    @admin_api
    async def admin_dashboard(request: Request, account: Any) -> Any:
        period = _period(request)
        tables = await audit._run(figures, _engine(request, settings), period)
        return {
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
            "figures": [t.as_json() for t in tables],
        }

    @bp.route(f"{PREFIX}/api/csv/<key>", methods=["GET"])
    @admin_api
    async def admin_csv(request: Request, account: Any, key: str) -> Any:
        period = _period(request)
        tables = {t.key: t for t in await audit._run(figures, _engine(request, settings), period)}
        if key not in tables:
            raise AdminHTTPError("unknown_figure", "Graficul cerut nu există.", 404)
        name = f"{key}-{period.since.isoformat()}-{period.until.isoformat()}.csv"
        return _attachment(csv_bytes(tables[key]), name, "text/csv; charset=utf-8")

    @bp.route(f"{PREFIX}/api/review", methods=["GET"])
    @admin_api
    async def admin_review(request: Request, account: Any) -> Any:
        return await audit._run(_review, _engine(request, settings), _period(request), account.username)

    @bp.route(f"{PREFIX}/api/review/label", methods=["POST"])
    @admin_api
    async def admin_label(request: Request, account: Any) -> Any:
        body = json_object(request)
        return await audit._run(_label, _engine(request, settings), body, account.username)

    @bp.route(f"{PREFIX}/api/review/export", methods=["GET"])
    @admin_api
    async def admin_export(request: Request, account: Any) -> Any:
        export = await audit._run(_export, _engine(request, settings))
        logger.info("admin: %s exported %d reviewed messages", account.username, export.exported)
        resp = _attachment(export.text.encode("utf-8"), "reviewed.yml", "application/x-yaml; charset=utf-8")
        resp.headers["X-Exported"] = str(export.exported)
        resp.headers["X-Near-Heldout"] = str(export.near_heldout)
        return resp

    @bp.route(f"{PREFIX}/api/facts", methods=["GET"])
    @admin_api
    async def admin_facts(request: Request, account: Any) -> Any:
        return await audit._run(_facts, _engine(request, settings))
