"""The department's side: the queue of filings and what a clerk does with one.

Who sees what: a clerk sees and works the filings of their account's ``department``;
auditors read every department's; admins read and work every department's. Every step
(assign, ask the citizen for a document, resolve, reject) is a conditional ``UPDATE … WHERE
status IN (…)`` — the row count says whether the step was still possible — committed with
its archive turn and the citizen's e-mail, and answered with the :class:`Notice` to show in
the chat if the citizen is connected.
"""

import datetime as dt
import hashlib
import logging
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage import db
from storage.accounts import ADMIN, AUDITOR, CLERK, Account
from storage.types import utcnow
from submissions import copy
from submissions.attachments import PDF, clean_file
from submissions.errors import SubmissionError
from submissions.filings import new_token, token_digest
from submissions.mail import public_url
from submissions.records import (
    ASKED_CITIZEN,
    ASSIGNED,
    REJECTED,
    RESOLVED,
    archive_conversation,
    archive_step,
    queue_mail,
)
from submissions.rows import documents_of, filing_from_row
from submissions.tables import ANSWER, OPEN_STATUSES, files, filings
from submissions.terms import local_date
from submissions.views import Filing, Notice

logger = logging.getLogger(__name__)

ANSWER_PATH = "/depunere/raspuns/{token}.pdf"
REPLY_PATH = "/depunere/completare"
MAX_TEXT = 4000


def can_read(account: Account, department: str) -> bool:
    if account.disabled:
        return False
    if account.role in (ADMIN, AUDITOR):
        return True
    return account.role == CLERK and account.department == department


def can_work(account: Account, department: str) -> bool:
    if account.disabled:
        return False
    return account.role == ADMIN or (account.role == CLERK and account.department == department)


def _required_text(value: Any, message: str, code: str) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if len(text) < 5:
        raise SubmissionError(code, message)
    if len(text) > MAX_TEXT:
        raise SubmissionError("text_too_long", copy.TEXT_TOO_LONG.format(limit=MAX_TEXT))
    return text


class DepartmentDesk:
    """The department queues of one database."""

    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def queue(self, account: Account, *, closed: bool = False) -> List[Filing]:
        """The filings ``account`` may see, oldest due first (open ones, or closed ones)."""
        query = sa.select(filings)
        if account.role == CLERK:
            if not account.department:
                return []
            query = query.where(filings.c.department == account.department)
        elif account.role not in (ADMIN, AUDITOR):
            return []
        wanted = OPEN_STATUSES if not closed else ("resolved", "rejected")
        query = query.where(filings.c.status.in_(wanted)).order_by(filings.c.due_on, filings.c.id)
        with db.read_connection(self.engine) as conn:
            rows = conn.execute(query.limit(500)).all()
        return [filing_from_row(r, ()) for r in rows]

    def filing(self, account: Account, filing_id: Any) -> Filing:
        """One filing with its documents (not their bytes)."""
        row, documents = self._read(filing_id)
        if not can_read(account, row.department):
            raise SubmissionError("forbidden", copy.NOT_YOUR_DEPARTMENT, status=403)
        return filing_from_row(row, documents)

    def document(self, account: Account, filing_id: Any, document_id: Any) -> Tuple[str, str, bytes]:
        """(name, content type, bytes) of a document of a filing ``account`` may read."""
        filing = self.filing(account, filing_id)
        with db.read_connection(self.engine) as conn:
            row = conn.execute(
                sa.select(files.c.name, files.c.content_type, files.c.data).where(
                    files.c.id == _id(document_id), files.c.submission_id == filing.id
                )
            ).first()
        if row is None or row.data is None:
            raise SubmissionError("unknown_document", copy.UNKNOWN_ID, status=404)
        return row.name, row.content_type, bytes(row.data)

    def _read(self, filing_id: Any) -> Tuple[Any, List[Any]]:
        with db.read_connection(self.engine) as conn:
            row = conn.execute(sa.select(filings).where(filings.c.id == _id(filing_id))).first()
        if row is None:
            raise SubmissionError("unknown_filing", copy.UNKNOWN_ID, status=404)
        with db.read_connection(self.engine) as conn:
            rows = conn.execute(
                sa.select(files).where(files.c.submission_id == row.id).order_by(files.c.id)
            ).all()
        return row, [d for d in documents_of(rows) if d.role != "receipt"]

    # --- steps ------------------------------------------------------------------------

    def assign(self, account: Account, filing_id: Any, to: Optional[str] = None) -> Notice:
        who = to or account.username
        return self._step(
            account, filing_id, ("new", "assigned"), "assigned", ASSIGNED,
            {"assigned_to": who}, f"repartizată lui {who}", None,
        )  # fmt: skip

    def ask_citizen(self, account: Account, filing_id: Any, text: Any) -> Notice:
        request = _required_text(text, copy.REQUEST_NEEDED, "request_needed")
        now = self.clock()
        return self._step(
            account, filing_id, ("new", "assigned"), "waiting_citizen", ASKED_CITIZEN,
            {"request_text": request, "waiting_since": now},
            "documentul cerut cetățeanului", f"Vă rugăm să ne trimiteți: {request}",
        )  # fmt: skip

    def resolve(self, account: Account, filing_id: Any, text: Any, pdf: Optional[bytes] = None) -> Notice:
        answer = _required_text(text, copy.ANSWER_NEEDED, "answer_needed")
        attachment = None
        if pdf:
            attachment = clean_file("raspuns.pdf", pdf)
            if attachment.content_type != PDF:
                raise SubmissionError("not_a_pdf", copy.NOT_A_PDF_FORM, status=415)
        return self._step(
            account, filing_id, OPEN_STATUSES, "resolved", RESOLVED,
            {"resolution": answer}, "soluționată", f"Răspunsul departamentului: {answer}",
            answer_pdf=None if attachment is None else attachment.data,
        )  # fmt: skip

    def reject(self, account: Account, filing_id: Any, reason: Any) -> Notice:
        text = _required_text(reason, copy.REASON_NEEDED, "reason_needed")
        return self._step(
            account, filing_id, OPEN_STATUSES, "rejected", REJECTED,
            {"resolution": text}, "respinsă", f"Motivul: {text}",
        )  # fmt: skip

    def _step(
        self,
        account: Account,
        filing_id: Any,
        allowed: Sequence[str],
        status: str,
        event: str,
        values: Dict[str, Any],
        what: str,
        details: Optional[str],
        answer_pdf: Optional[bytes] = None,
    ) -> Notice:
        row, _documents = self._read(filing_id)
        if not can_work(account, row.department):
            raise SubmissionError("forbidden", copy.NOT_YOUR_DEPARTMENT, status=403)
        now = self.clock()
        token = new_token() if answer_pdf else None
        with db.write_transaction(self.engine) as conn:
            changed = conn.execute(
                filings.update()
                .where(filings.c.id == row.id, filings.c.status.in_(list(allowed)))
                .values(status=status, updated_at=now, **values)
            ).rowcount
            if not changed:
                current = conn.execute(sa.select(filings.c.status).where(filings.c.id == row.id)).scalar()
                raise SubmissionError(
                    "not_allowed_now",
                    copy.NOT_ALLOWED_NOW.format(
                        number=row.registration_no, status=copy.STATUS_NAMES.get(current or "", current)
                    ),
                    status=409,
                )
            extra: Dict[str, Any] = {"registration_no": row.registration_no, "status": status}
            if status == "waiting_citizen":
                remaining = (row.due_on - local_date(now)).days
                extra.update(request=values["request_text"], asked_at=now.isoformat(), days_left=remaining)
            if status in ("resolved", "rejected"):
                extra["resolution_sha256"] = hashlib.sha256(values["resolution"].encode("utf-8")).hexdigest()
            if answer_pdf is not None and token is not None:
                sha = hashlib.sha256(answer_pdf).hexdigest()
                conn.execute(
                    files.insert().values(
                        submission_id=row.id,
                        role=ANSWER,
                        name=f"raspuns-{row.number}-{row.year}.pdf",
                        content_type=PDF,
                        size=len(answer_pdf),
                        sha256=sha,
                        data=answer_pdf,
                        token_hash=token_digest(token),
                        added_at=now,
                    )  # fmt: skip
                )
                extra["answer_sha256"] = sha
            archive_step(
                conn, now, archive_conversation(row.year, row.number), event,
                f"Cererea nr. {row.registration_no}: {what} ({account.username}).",
                extra, clerk=account.username, form_id=row.form_id,
            )  # fmt: skip
            status_name = copy.STATUS_NAMES[status]
            link = ANSWER_PATH.format(token=token) if token else None
            reply = f"{REPLY_PATH}?nr={quote(row.registration_no)}" if status == "waiting_citizen" else None
            body_details = "\n".join(
                x
                for x in (
                    details,
                    link and f"Răspunsul (PDF): {public_url(link)}",
                    reply and f"Trimiteți documentul aici, cu numărul și codul de acces: {public_url(reply)}",
                )
                if x
            )
            queue_mail(
                conn, now, row.citizen_email,
                copy.MAIL_STATUS_SUBJECT.format(number=row.registration_no, status=status_name),
                copy.MAIL_STATUS_BODY.format(
                    number=row.registration_no, title=filing_from_row(row, ()).form_title,
                    status=status_name, details=body_details + "\n" if body_details else "",
                ),
                row.id,
            )  # fmt: skip
        logger.info("submissions: filing %s is now %s (%s)", row.id, status, account.username)
        text = f"Cererea dumneavoastră nr. {row.registration_no} este acum: {status_name}."
        if details:
            text += f"\n{details}"
        return Notice(row.id, row.registration_no, row.conversation_id, text, link, reply)


def _id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SubmissionError("unknown_filing", copy.UNKNOWN_ID, status=404) from None
    if not 0 < number < 2**31:
        raise SubmissionError("unknown_filing", copy.UNKNOWN_ID, status=404)
    return number
