"""The citizen's online filing: the page, the document uploads, the confirmation, the
receipt and the answer (submissions/, through livechat/filings.py).

=======================================  ============================================
``GET  /depunere/<form_id>?c=<conv>``    the filing page of a form (phone first): the
                                         card's checklist, uploads, contact, confirm
``GET  /depunere/mesaj?c=<conv>``        "lăsați un mesaj": a question and a contact,
                                         filed for the next working day
``GET  /depunere/static/<file>``         the page's script and style
``POST /depunere/documente``             multipart: ``file``, ``form_id``, optional
                                         ``requirement`` (the card's item), ``draft``,
                                         ``signed`` (1: the citizen's signed PDF)
``POST /depunere/documente/sterge``      ``{"draft", "id"}``: a document taken back
``GET  /depunere/api/lista``             ``?form_id&draft``: the checklist
``POST /depunere/trimite``               ``{"draft", "form_id", "name", "email",
                                         "phone", "message", "conversation_id"}`` →
                                         number, access code, due date, receipt link
``GET  /depunere/chitanta/<token>.pdf``  the sealed receipt (24 hours)
``GET  /depunere/raspuns/<token>.pdf``   the department's answer
=======================================  ============================================

Refusals are JSON ``{"error", "message"}`` in Romanian with 400/404/413/415/503; nothing is
stored. An upload larger than the limit is refused with 413 as soon as it is read that far.
"""

import html
import json
import logging
import re
from pathlib import Path
from typing import Any, Dict, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from forms_catalog import load_catalog
from livechat import filings
from livechat.filings import filings_of
from submissions.copy import FILE_TOO_LARGE
from submissions.errors import SubmissionError
from submissions.limits import MAX_FILE_MB, MAX_FILES, MAX_UPLOAD_BYTES
from submissions.numbers import normalise_number
from submissions.tables import ANSWER, RECEIPT
from submissions.terms import next_working_day
from web.security import SECURITY_HEADERS, BadBody, json_object, same_origin

logger = logging.getLogger(__name__)

PREFIX = "/depunere"
STATIC_DIR = Path(__file__).with_name("static")
FILES = {
    "submit.js": "application/javascript; charset=utf-8",
    "submit.css": "text/css; charset=utf-8",
}
MESSAGE_MODE = "mesaj"
REPLY_MODE = "completare"
MESSAGE_FORM = "petitie"
_FORM_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{16,64})\.pdf$")
_CONVERSATION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CROSS_SITE = SubmissionError("cross_origin", "Cererea vine de pe alt site; nu s-a schimbat nimic.", 403)


def _json(data: Any, status: int = 200) -> HTTPResponse:
    return response.json(data, status=status, headers=SECURITY_HEADERS, ensure_ascii=False)


def _refuse(error: SubmissionError) -> HTTPResponse:
    return _json(error.as_json(), error.status)


def _form(form_id: Any) -> Any:
    form = load_catalog().forms.get(form_id) if isinstance(form_id, str) and _FORM_ID.match(form_id) else None
    if form is None:
        raise SubmissionError("unknown_form", "Formularul ales nu există în catalogul primăriei.", 404)
    return form


def _conversation(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and _CONVERSATION.match(value) else None


def _department(value: Any) -> Any:
    """A department of the catalog named by a request, or None."""
    return load_catalog().departments.get(value) if isinstance(value, str) and _FORM_ID.match(value) else None


def page(
    form: Any,
    message_mode: bool,
    conversation_id: Optional[str],
    department: Any = None,
    reply_number: Optional[str] = None,
) -> str:
    """The filing page; every value put into it is escaped (the form's texts are the
    catalog's; the conversation id is checked to be a plain id)."""
    template = (STATIC_DIR / "submit.html").read_text(encoding="utf-8")
    config = {
        "form_id": form.id,
        "form_title": form.title,
        "message_mode": message_mode,
        "conversation_id": conversation_id,
        "max_files": MAX_FILES,
        "max_file_mb": MAX_FILE_MB,
        "department": department.id if department else None,
        "department_name": department.name if department else None,
        "reply_mode": reply_number is not None,
        "reply_number": reply_number or None,
    }
    title = "Lăsați un mesaj" if message_mode else f"Depuneți online: {form.title}"
    if department is not None and not message_mode:
        title = f"Trimiteți sesizarea: {department.name}"
    if reply_number is not None:
        title = "Trimiteți documentul cerut"
    return template.replace("{{title}}", html.escape(title)).replace(
        "{{config}}", html.escape(json.dumps(config, ensure_ascii=False), quote=True)
    )


async def _read_limited(request: Request) -> Optional[bytes]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        return None
    body = bytearray()
    assert request.stream is not None, "the upload route is streamed"
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            return bytes(body)
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            return None


def _checklist(desk: Any, form_id: str, draft: Optional[str]) -> Dict[str, Any]:
    items = desk.submissions.checklist(form_id, draft)
    documents = desk.submissions.draft_documents(draft) if draft else []
    return {
        "checklist": [{"index": i, "text": text, "attached": names} for i, (text, names) in enumerate(items)],
        "documents": [d.as_json() for d in documents],
    }


def add_routes(bp: Blueprint) -> None:
    """The filing pages and their API, on the channel's blueprint, and the outbox's
    sending loop while the server runs."""

    @bp.listener("after_server_start")
    async def start_outbox(app: Any, loop: Any) -> None:
        app.ctx.submissions_outbox = filings.start_outbox(app.ctx.handoff, loop)

    @bp.listener("before_server_stop")
    async def stop_outbox(app: Any, loop: Any) -> None:
        task = getattr(app.ctx, "submissions_outbox", None)
        if task is not None:
            task.cancel()

    @bp.route(f"{PREFIX}/<form_id>", methods=["GET"], name="submission_page")
    async def filing_page(request: Request, form_id: str) -> HTTPResponse:
        message_mode = form_id == MESSAGE_MODE
        reply_number = (
            (normalise_number(request.args.get("nr") or "") or "") if form_id == REPLY_MODE else None
        )
        try:
            form = _form(MESSAGE_FORM if message_mode or reply_number is not None else form_id)
        except SubmissionError as error:
            return response.html(
                f"<!doctype html><meta charset=utf-8><p>{html.escape(error.message)}</p>",
                status=404, headers=SECURITY_HEADERS,
            )  # fmt: skip
        return response.html(
            page(
                form,
                message_mode,
                _conversation(request.args.get("c")),
                _department(request.args.get("d")),
                reply_number,
            ),  # fmt: skip
            headers=SECURITY_HEADERS,
        )

    @bp.route(f"{PREFIX}/static/<name>", methods=["GET"], name="submission_static")
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in FILES:
            return response.text("Fișier inexistent.", status=404, headers=SECURITY_HEADERS)
        return response.raw(
            (STATIC_DIR / name).read_bytes(), content_type=FILES[name],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )  # fmt: skip

    async def upload(request: Request) -> HTTPResponse:
        if not same_origin(request):
            return _refuse(CROSS_SITE)
        body = await _read_limited(request)
        if body is None:
            # The rest of the body is never read: the connection closes after the answer,
            # or its bytes would be taken for the next request.
            if request.stream is not None:
                request.stream.keep_alive = False
            return _refuse(SubmissionError("file_too_large", FILE_TOO_LARGE, 413))
        request.body = body
        try:
            upload = request.files.get("file") if request.files else None
        except Exception:  # a malformed multipart body: Sanic's parser raises several kinds
            logger.info("submissions: malformed upload body refused")
            upload = None
        if upload is None:
            return _refuse(SubmissionError("no_file", "Alegeți un fișier de trimis.", 400))
        form = request.form or {}
        desk = filings_of(request.app.ctx.handoff)
        try:
            form_id = _form(form.get("form_id")).id
            requirement = form.get("requirement")
            index = int(requirement) if requirement not in (None, "", "alt") else None
            draft, document = await desk.blocking(
                desk.submissions.add_document,
                form.get("draft") or None, upload.name or "document", upload.body,
                requirement=index, form_id=form_id, signed_form=form.get("signed") == "1",
            )  # fmt: skip
        except ValueError:
            return _refuse(
                SubmissionError("unknown_requirement", "Documentul ales din listă nu există.", 400)
            )
        except SubmissionError as error:
            return _refuse(error)
        return _json({"draft": draft, "document": document.as_json(), **_checklist(desk, form_id, draft)})

    bp.add_route(upload, f"{PREFIX}/documente", methods=["POST"], stream=True, name="submission_upload")

    @bp.route(f"{PREFIX}/documente/sterge", methods=["POST"], name="submission_remove")
    async def remove(request: Request) -> HTTPResponse:
        if not same_origin(request):
            return _refuse(CROSS_SITE)
        try:
            body = json_object(request)
            form_id = _form(body.get("form_id")).id
        except BadBody as bad:
            return _refuse(SubmissionError(bad.code, bad.message, bad.status))
        except SubmissionError as error:
            return _refuse(error)
        desk = filings_of(request.app.ctx.handoff)
        draft, document_id = body.get("draft"), body.get("id")
        if not isinstance(draft, str) or not isinstance(document_id, int):
            return _refuse(SubmissionError("malformed", "Documentul de șters nu este precizat.", 400))
        await desk.blocking(desk.submissions.remove_document, draft, document_id)
        return _json(_checklist(desk, form_id, draft))

    @bp.route(f"{PREFIX}/api/lista", methods=["GET"], name="submission_checklist")
    async def checklist(request: Request) -> HTTPResponse:
        desk = filings_of(request.app.ctx.handoff)
        try:
            form_id = _form(request.args.get("form_id")).id
        except SubmissionError as error:
            return _refuse(error)
        return _json(_checklist(desk, form_id, request.args.get("draft") or None))

    @bp.route(f"{PREFIX}/trimite", methods=["POST"], name="submission_file")
    async def file(request: Request) -> HTTPResponse:
        if not same_origin(request):
            return _refuse(CROSS_SITE)
        try:
            body = json_object(request)
        except BadBody as bad:
            return _refuse(SubmissionError(bad.code, bad.message, bad.status))
        desk = filings_of(request.app.ctx.handoff)
        message_mode = body.get("mode") == MESSAGE_MODE
        try:
            form = _form(MESSAGE_FORM if message_mode else body.get("form_id"))
            if message_mode and not str(body.get("message") or "").strip():
                raise SubmissionError("message_needed", "Scrieți pe scurt ce doriți să ne transmiteți.")
            filed = await desk.file(
                body.get("draft") if isinstance(body.get("draft"), str) else None,
                form.id,
                name=body.get("name"), email=body.get("email"), phone=body.get("phone"),
                message=body.get("message"), conversation_id=_conversation(body.get("conversation_id")),
                subject="Mesaj lăsat în chat" if message_mode else None,
                department=getattr(_department(body.get("department")), "id", None),
            )  # fmt: skip
        except SubmissionError as error:
            return _refuse(error)
        answer_by = next_working_day(desk.service.clock()) if message_mode else None
        return _json(
            {
                "registration_no": filed.registration_no,
                "access_code": filed.access_code,
                "due_on": f"{filed.due_on:%d.%m.%Y}",
                "answer_by": None if answer_by is None else f"{answer_by:%d.%m.%Y}",
                "receipt_url": f"{PREFIX}/chitanta/{filed.receipt_token}.pdf",
                "documents": [d.as_json() for d in filed.documents],
            }
        )

    @bp.route(f"{PREFIX}/completeaza", methods=["POST"], name="submission_reply")
    async def reply(request: Request) -> HTTPResponse:
        if not same_origin(request):
            return _refuse(CROSS_SITE)
        try:
            body = json_object(request)
        except BadBody as bad:
            return _refuse(SubmissionError(bad.code, bad.message, bad.status))
        desk = filings_of(request.app.ctx.handoff)
        draft = body.get("draft") if isinstance(body.get("draft"), str) else None
        number, code = str(body.get("registration_no") or ""), str(body.get("access_code") or "")
        try:
            status = await desk.blocking(desk.submissions.reply, number, code, draft)
        except SubmissionError as error:
            return _refuse(error)
        return _json({"registration_no": status.registration_no, "status": status.status_name})

    async def _download(request: Request, name: str, role: str) -> HTTPResponse:
        match = _TOKEN.match(name)
        desk = filings_of(request.app.ctx.handoff)
        found = await desk.blocking(desk.submissions.download, match.group(1), role) if match else None
        if found is None:
            return response.text(
                "Documentul nu mai este disponibil (linkul a expirat sau este greșit). Stadiul "
                "cererii îl aflați în chat, cu numărul și codul de acces.",
                status=404, headers=SECURITY_HEADERS,
            )  # fmt: skip
        filename, data = found
        return response.raw(
            data, content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
        )  # fmt: skip

    @bp.route(f"{PREFIX}/chitanta/<name>", methods=["GET"], name="submission_receipt")
    async def receipt(request: Request, name: str) -> HTTPResponse:
        return await _download(request, name, RECEIPT)

    @bp.route(f"{PREFIX}/raspuns/<name>", methods=["GET"], name="submission_answer")
    async def answer(request: Request, name: str) -> HTTPResponse:
        return await _download(request, name, ANSWER)
