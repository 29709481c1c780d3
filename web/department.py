"""The department queues in the console: filed requests with their documents, due dates
and overdue ones marked, and the department's steps (submissions/department.py).

A clerk sees the filings of their account's ``department``; an admin sees every
department's. Each step is archived and e-mailed to the citizen by the submissions
package; the citizen's chat is told here (livechat/filings.py) when the filing came from
one. Errors are the console's JSON ``{"error", "message"}`` in Romanian.

======================================================  ===================================
``GET  /console/cereri/``                               the page (login required)
``GET  /console/cereri/static/<file>``                  its script and style
``GET  /console/api/cereri``                            the queue (``?inchise=1``: closed)
``GET  /console/api/cereri/<id>``                       one filing with its documents
``GET  /console/api/cereri/<id>/documente/<doc>``       a document (download)
``POST /console/api/cereri/<id>/repartizare``           assign to oneself
``POST /console/api/cereri/<id>/solicitare``            ``{"text"}``: ask for a document
``POST /console/api/cereri/<id>/solutionare``           ``{"text"}`` or multipart ``text`` +
                                                        ``file`` (the answer's PDF)
``POST /console/api/cereri/<id>/respingere``            ``{"text"}``: the reason
======================================================  ===================================
"""

import functools
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from forms_catalog import load_catalog
from livechat.filings import filings_of
from livechat.store import Clerk
from submissions.errors import SubmissionError
from submissions.limits import MAX_UPLOAD_BYTES
from web.console import clerk_api, current_clerk
from web.security import SECURITY_HEADERS, BadBody, json_object

STATIC_DIR = Path(__file__).with_name("static")
FILES = {
    "department.js": "application/javascript; charset=utf-8",
    "department.css": "text/css; charset=utf-8",
}
API = "/console/api/cereri"


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return response.json(data, status=status, headers=SECURITY_HEADERS, ensure_ascii=False)


def desk_api(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[HTTPResponse]]:
    """A console API route (login required) whose SubmissionError is its JSON error."""

    @functools.wraps(handler)
    async def with_errors(request: Request, clerk: Clerk, *args: Any, **kwargs: Any) -> Any:
        try:
            return await handler(request, clerk, *args, **kwargs)
        except SubmissionError as error:
            return _json(error.as_json(), error.status)
        except BadBody as bad:
            return _json({"error": bad.code, "message": bad.message}, bad.status)

    return clerk_api(with_errors)


def _text_of(request: Request) -> Dict[str, Any]:
    return json_object(request) if request.body else {}


def add_routes(bp: Blueprint) -> None:
    @bp.route("/console/cereri/", methods=["GET"], name="department_page")
    async def page(request: Request) -> HTTPResponse:
        if current_clerk(request) is None:
            return response.redirect("/console/login", headers=SECURITY_HEADERS)
        return response.html(
            (STATIC_DIR / "department.html").read_text(encoding="utf-8"), headers=SECURITY_HEADERS
        )

    @bp.route("/console/cereri/static/<name>", methods=["GET"], name="department_static")
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in FILES:
            return response.text("Fișier inexistent.", status=404, headers=SECURITY_HEADERS)
        return response.raw(
            (STATIC_DIR / name).read_bytes(), content_type=FILES[name],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )  # fmt: skip

    @bp.route(API, methods=["GET"], name="department_queue")
    @desk_api
    async def queue(request: Request, clerk: Clerk) -> Any:
        desk = filings_of(request.app.ctx.handoff)
        closed = request.args.get("inchise") == "1"
        filings = await desk.blocking(desk.desk.queue, clerk, closed=closed)
        now = desk.service.clock()
        department = load_catalog().departments.get(clerk.department or "")
        return {
            "department": department.name if department else None,
            "role": clerk.role,
            "filings": [f.as_json(now) for f in filings],
        }

    @bp.route(f"{API}/<filing_id>", methods=["GET"], name="department_filing")
    @desk_api
    async def filing(request: Request, clerk: Clerk, filing_id: str) -> Any:
        desk = filings_of(request.app.ctx.handoff)
        found = await desk.blocking(desk.desk.filing, clerk, filing_id)
        return found.as_json(desk.service.clock())

    @bp.route(f"{API}/<filing_id>/documente/<document_id>", methods=["GET"], name="department_document")
    @desk_api
    async def document(request: Request, clerk: Clerk, filing_id: str, document_id: str) -> Any:
        desk = filings_of(request.app.ctx.handoff)
        name, content_type, data = await desk.blocking(desk.desk.document, clerk, filing_id, document_id)
        return response.raw(
            data, content_type=content_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
                     "X-Content-Type-Options": "nosniff"},
        )  # fmt: skip

    async def _step(request: Request, clerk: Clerk, work: Callable[..., Any], *args: Any) -> Any:
        desk = filings_of(request.app.ctx.handoff)
        notice = await desk.blocking(work, clerk, *args)
        await desk.notify(notice)
        return desk.desk.filing(clerk, notice.filing_id).as_json(desk.service.clock())

    @bp.route(f"{API}/<filing_id>/repartizare", methods=["POST"], name="department_assign")
    @desk_api
    async def assign(request: Request, clerk: Clerk, filing_id: str) -> Any:
        return await _step(request, clerk, filings_of(request.app.ctx.handoff).desk.assign, filing_id)

    @bp.route(f"{API}/<filing_id>/solicitare", methods=["POST"], name="department_ask")
    @desk_api
    async def ask(request: Request, clerk: Clerk, filing_id: str) -> Any:
        text = _text_of(request).get("text")
        return await _step(
            request, clerk, filings_of(request.app.ctx.handoff).desk.ask_citizen, filing_id, text
        )

    @bp.route(f"{API}/<filing_id>/solutionare", methods=["POST"], name="department_resolve")
    @desk_api
    async def resolve(request: Request, clerk: Clerk, filing_id: str) -> Any:
        if len(request.body or b"") > MAX_UPLOAD_BYTES:
            raise SubmissionError("file_too_large", "Răspunsul depășește 10 MB.", 413)
        if (request.content_type or "").startswith("multipart/form-data"):
            text = (request.form or {}).get("text")
            upload = (request.files or {}).get("file")
            pdf = upload.body if upload is not None and upload.body else None
        else:
            text, pdf = _text_of(request).get("text"), None
        return await _step(
            request, clerk, filings_of(request.app.ctx.handoff).desk.resolve, filing_id, text, pdf
        )

    @bp.route(f"{API}/<filing_id>/respingere", methods=["POST"], name="department_reject")
    @desk_api
    async def reject(request: Request, clerk: Clerk, filing_id: str) -> Any:
        text = _text_of(request).get("text")
        return await _step(request, clerk, filings_of(request.app.ctx.handoff).desk.reject, filing_id, text)
