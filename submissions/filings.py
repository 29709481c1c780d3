"""Filing a request: the citizen's documents, the registration, the receipt, the status.

:class:`Submissions` is one short unit of work per method, on the one database
(:mod:`storage.db`). A filing is registered in one write transaction — its number from the
year's counter, the filing row, its documents, the sealed receipt, the archive's system
turn with every SHA-256, and the e-mails to the department and the citizen in the outbox
— so it is there with all of it, or not at all (and its number is given to the next one).
"""

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any, Callable, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from forms_catalog import InvalidValue, load_catalog
from forms_catalog.validators import validate_email, validate_phone
from storage import db
from storage.types import utcnow
from submissions import codes, copy
from submissions.attachments import PDF, clean_file
from submissions.errors import SubmissionError, UnknownFiling
from submissions.limits import MAX_FILES
from submissions.numbers import format_number, normalise_number, take_number
from submissions.receipt import ReceiptData, sealed_receipt
from submissions.records import CITIZEN_REPLIED, REGISTERED, archive_conversation, archive_step, queue_mail
from submissions.rows import documents_of, filing_from_row
from submissions.signed import check_signed_form
from submissions.tables import ASSIGNED, DOCUMENT, NEW, RECEIPT, REPLY, SIGNED_FORM, WAITING, files, filings
from submissions.terms import TIMEZONE, due_date, load_terms
from submissions.views import Document, Filed, Status

logger = logging.getLogger(__name__)

#: Hours a receipt can be downloaded from its link (its SHA-256 stays in the archive).
RECEIPT_HOURS = 24
#: Hours uploaded documents wait for the filing to be confirmed.
DRAFT_HOURS = 24
MAX_MESSAGE_CHARS = 4000
MAX_SUBJECT_CHARS = 200


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _contact(name: Any, email: Any, phone: Any) -> Tuple[str, Optional[str], Optional[str]]:
    name = " ".join(str(name or "").split())
    if len(name) < 3 or len(name) > 200 or not any(ch.isalpha() for ch in name):
        raise SubmissionError("name_needed", copy.NAME_NEEDED)
    email = str(email or "").strip() or None
    phone = str(phone or "").strip() or None
    if email is None and phone is None:
        raise SubmissionError("contact_needed", copy.CONTACT_NEEDED)
    try:
        email = validate_email(email) if email else None
    except InvalidValue:
        raise SubmissionError("bad_email", copy.BAD_EMAIL) from None
    try:
        phone = validate_phone(phone) if phone else None
    except InvalidValue:
        raise SubmissionError("bad_phone", copy.BAD_PHONE) from None
    return name, email, phone


def _text(value: Any, limit: int) -> Optional[str]:
    text = str(value or "").replace("\x00", "").strip()
    if len(text) > limit:
        raise SubmissionError("text_too_long", copy.TEXT_TOO_LONG.format(limit=limit))
    return text or None


class Submissions:
    """The filings of one database.

    Args:
        engine: from :func:`storage.db.make_engine` (the caller owns it).
        seal: the city hall's seal (:func:`forms_catalog.seal.load_seal`), or a callable
            returning it; filings are refused while there is none.
        clock: the current time (aware); tests pass a fake one.
    """

    def __init__(self, engine: Engine, seal: Any = None, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = engine
        self._seal = seal
        self.clock = clock

    @property
    def seal(self) -> Any:
        """The seal, or None; ``seal`` may be given as a loader called on each use."""
        if self._seal is not None and not hasattr(self._seal, "seal_pdf"):
            return self._seal()
        return self._seal

    # --- documents of a draft --------------------------------------------------------

    def add_document(
        self,
        draft: Optional[str],
        name: str,
        data: bytes,
        *,
        requirement: Optional[int] = None,
        form_id: Optional[str] = None,
        signed_form: bool = False,
    ) -> Tuple[str, Document]:
        """Keep one uploaded document for a filing not yet confirmed.

        Returns the draft token (a new one when ``draft`` is None) and the document.

        Raises:
            SubmissionError: the file is refused (type, size, count) or the draft is
                unknown; nothing is stored.
        """
        if requirement is not None:
            form = load_catalog().forms.get(form_id or "")
            if form is None or not 0 <= requirement < len(form.documents):
                raise SubmissionError("unknown_requirement", copy.UNKNOWN_REQUIREMENT)
        clean = clean_file(name, data)
        verdict: Tuple[Optional[str], Optional[str]] = (None, None)
        if signed_form:
            if clean.content_type != PDF:
                raise SubmissionError("not_a_pdf", copy.NOT_A_PDF_FORM, status=415)
            verdict = check_signed_form(clean.data)
        now = self.clock()
        with db.write_transaction(self.engine) as conn:
            if draft is not None:
                count = conn.execute(
                    sa.select(sa.func.count()).select_from(files).where(files.c.draft == draft)
                ).scalar_one()
                if count == 0:  # a draft exists through its first document only
                    raise SubmissionError("unknown_draft", copy.UNKNOWN_DRAFT, status=404)
                if count >= MAX_FILES:
                    raise SubmissionError("too_many_files", copy.TOO_MANY_FILES, status=413)
            else:
                draft = new_token()
            file_id = conn.execute(
                files.insert().values(
                    draft=draft,
                    role=SIGNED_FORM if signed_form else DOCUMENT,
                    requirement=requirement,
                    name=clean.name,
                    content_type=clean.content_type,
                    size=clean.size,
                    sha256=clean.sha256,
                    data=clean.data,
                    signature_verdict=verdict[0],
                    signature_message=verdict[1],
                    added_at=now,
                )  # fmt: skip
            ).inserted_primary_key[0]
        logger.info(
            "submissions: document %s (%s, %d bytes) added to a draft",
            file_id,
            clean.content_type,
            clean.size,
        )
        return draft, Document(
            int(file_id), SIGNED_FORM if signed_form else DOCUMENT, clean.name, clean.content_type,
            clean.size, clean.sha256, requirement, verdict[0], verdict[1],
        )  # fmt: skip

    def draft_documents(self, draft: str) -> List[Document]:
        with db.read_connection(self.engine) as conn:
            rows = conn.execute(
                sa.select(files)
                .where(files.c.draft == draft, files.c.submission_id.is_(None))
                .order_by(files.c.id)
            ).all()
        return documents_of(rows)

    def remove_document(self, draft: str, document_id: int) -> bool:
        with db.write_transaction(self.engine) as conn:
            return bool(
                conn.execute(
                    files.delete().where(
                        files.c.id == document_id, files.c.draft == draft, files.c.submission_id.is_(None)
                    )
                ).rowcount
            )

    def checklist(self, form_id: str, draft: Optional[str]) -> List[Tuple[str, List[str]]]:
        """The card's required documents, each with the names of the files attached for it."""
        form = load_catalog().forms.get(form_id)
        if form is None:
            raise SubmissionError("unknown_form", copy.UNKNOWN_FORM, status=404)
        attached = self.draft_documents(draft) if draft else []
        return [
            (str(text), [d.name for d in attached if d.requirement == index])
            for index, text in enumerate(form.documents)
        ]

    # --- registration ----------------------------------------------------------------

    def file(
        self,
        draft: Optional[str],
        form_id: str,
        *,
        name: Any,
        email: Any = None,
        phone: Any = None,
        conversation_id: Optional[str] = None,
        subject: Any = None,
        message: Any = None,
        department: Optional[str] = None,
        seal: Any = None,
    ) -> Filed:
        """Register a filing with the draft's documents; blocking (the seal).

        ``department`` overrides the form's (a works complaint sent as a petition goes to
        the department of the works); ``seal`` overrides the one given at construction.
        Raises :class:`SubmissionError` on bad input; then
        nothing is stored and the draft is kept.
        """
        catalog = load_catalog()
        form = catalog.forms.get(form_id)
        if form is None:
            raise SubmissionError("unknown_form", copy.UNKNOWN_FORM, status=404)
        dept = catalog.departments.get(department or form.department)
        if dept is None:
            raise SubmissionError("unknown_form", copy.UNKNOWN_FORM, status=404)
        name, email, phone = _contact(name, email, phone)
        subject_text = _text(subject, MAX_SUBJECT_CHARS)
        message_text = _text(message, MAX_MESSAGE_CHARS)
        seal = seal if seal is not None else self.seal
        if seal is None:
            raise SubmissionError("no_seal", copy.NO_SEAL, status=503)
        code = codes.new_code()
        code_hash = codes.hash_code(code)
        term = load_terms().of(form.id)
        receipt_token = new_token()
        with db.write_transaction(self.engine) as conn:
            drafted = (
                conn.execute(
                    sa.select(files.c.id, files.c.name, files.c.sha256)
                    .where(files.c.draft == draft, files.c.submission_id.is_(None))
                    .order_by(files.c.id)
                ).all()
                if draft
                else []
            )
            if not drafted and not message_text:
                raise SubmissionError("nothing_to_file", copy.NOTHING_TO_FILE)
            if len(drafted) > MAX_FILES:
                raise SubmissionError("too_many_files", copy.TOO_MANY_FILES, status=413)
            now = self.clock()
            local = now.astimezone(TIMEZONE)
            number = take_number(conn, local.year)
            registration_no = format_number(number, local.date())
            due = due_date(now, term.days)
            filing_id = conn.execute(
                filings.insert().values(
                    year=local.year,
                    number=number,
                    registration_no=registration_no,
                    form_id=form.id,
                    department=dept.id,
                    subject=subject_text,
                    message=message_text,
                    conversation_id=conversation_id,
                    citizen_name=name,
                    citizen_email=email,
                    citizen_phone=phone,
                    access_hash=code_hash,
                    status=NEW,
                    filed_at=now,
                    due_on=due,
                    term_days=term.days,
                    term_basis=term.basis,
                    updated_at=now,
                )  # fmt: skip
            ).inserted_primary_key[0]
            if drafted:
                conn.execute(
                    files.update()
                    .where(files.c.id.in_([r.id for r in drafted]))
                    .values(submission_id=filing_id, draft=None)
                )
            receipt = sealed_receipt(
                ReceiptData(
                    registration_no,
                    now,
                    form.title,
                    dept.name,
                    name,
                    [(r.name, r.sha256) for r in drafted],
                    due,
                    term.basis,
                    code,
                ),  # fmt: skip
                seal,
            )
            receipt_sha = hashlib.sha256(receipt).hexdigest()
            conn.execute(
                files.insert().values(
                    submission_id=filing_id,
                    role=RECEIPT,
                    name=f"dovada-{number}-{local.year}.pdf",
                    content_type=PDF,
                    size=len(receipt),
                    sha256=receipt_sha,
                    data=receipt,
                    token_hash=token_digest(receipt_token),
                    added_at=now,
                )  # fmt: skip
            )
            documents = [{"name": r.name, "sha256": r.sha256} for r in drafted]
            archive_step(
                conn, now, archive_conversation(local.year, number), REGISTERED,
                f"Cererea „{form.title}” a fost înregistrată online cu nr. {registration_no} "
                f"({len(drafted)} documente), repartizată: {dept.name}; termen {due:%d.%m.%Y}.",
                {
                    "registration_no": registration_no, "form_id": form.id, "department": dept.id,
                    "documents": documents, "receipt_sha256": receipt_sha,
                    "due_on": due.isoformat(), "term_basis": term.basis,
                    "chat_conversation_id": conversation_id,
                },
                form_id=form.id,
            )  # fmt: skip
            names = ", ".join(r.name for r in drafted) or "niciunul (doar mesaj)"
            queue_mail(
                conn, now, dept.email,
                copy.MAIL_NEW_SUBJECT.format(number=registration_no, title=form.title),
                copy.MAIL_NEW_BODY.format(
                    number=registration_no, title=form.title, documents=names, due=f"{due:%d.%m.%Y}"
                ),
                filing_id,
            )  # fmt: skip
            queue_mail(
                conn, now, email,
                copy.MAIL_FILED_SUBJECT.format(number=registration_no),
                copy.MAIL_FILED_BODY.format(
                    title=form.title, number=registration_no, when=f"{local:%d.%m.%Y %H:%M}",
                    due=f"{due:%d.%m.%Y}",
                ),
                filing_id,
            )  # fmt: skip
            stored = conn.execute(sa.select(files).where(files.c.submission_id == filing_id)).all()
        logger.info("submissions: filing %s registered as %s (%s)", filing_id, registration_no, form.id)
        return Filed(
            int(filing_id), registration_no, code, due, receipt_token, receipt_sha,
            [d for d in documents_of(stored) if d.role != RECEIPT],
        )  # fmt: skip

    # --- downloads ----------------------------------------------------------------------

    def download(self, token: str, role: str) -> Optional[Tuple[str, bytes]]:
        """(name, bytes) of the receipt or answer behind a link token; None if unknown or
        expired (a receipt for :data:`RECEIPT_HOURS`)."""
        if not isinstance(token, str) or not 16 <= len(token) <= 64:
            return None
        with db.read_connection(self.engine) as conn:
            row = conn.execute(
                sa.select(files.c.name, files.c.data, files.c.added_at).where(
                    files.c.token_hash == token_digest(token), files.c.role == role
                )
            ).first()
        if row is None or row.data is None:
            return None
        if role == RECEIPT and self.clock() - row.added_at > dt.timedelta(hours=RECEIPT_HOURS):
            return None
        return row.name, bytes(row.data)

    def forget_expired(self) -> int:
        """Drop the bytes of receipts past their download time (they hold the access
        code) and the documents of drafts never confirmed; returns how many."""
        now = self.clock()
        with db.write_transaction(self.engine) as conn:
            receipts = conn.execute(
                files.update()
                .where(files.c.role == RECEIPT, files.c.data.isnot(None))
                .where(files.c.added_at < now - dt.timedelta(hours=RECEIPT_HOURS))
                .values(data=None)
            ).rowcount
            drafts = conn.execute(
                files.delete()
                .where(files.c.submission_id.is_(None))
                .where(files.c.added_at < now - dt.timedelta(hours=DRAFT_HOURS))
            ).rowcount
        return int(receipts or 0) + int(drafts or 0)

    # --- status -------------------------------------------------------------------------

    def status(self, registration_no: str, access_code: str) -> Status:
        """The status of a filing, for whoever has its number and access code.

        Raises:
            UnknownFiling: unknown number or wrong code — the same message for both.
        """
        canonical = normalise_number(registration_no or "")
        with db.read_connection(self.engine) as conn:
            row = (
                conn.execute(sa.select(filings).where(filings.c.registration_no == canonical)).first()
                if canonical
                else None
            )
        if not codes.matches(None if row is None else row.access_hash, access_code or ""):
            raise UnknownFiling()
        assert row is not None
        filing = filing_from_row(row, ())
        return Status(
            filing.registration_no, filing.form_title, filing.status, filing.filed_at, filing.due_on,
            filing.request_text, filing.resolution,
        )  # fmt: skip

    # --- the citizen sends what the department asked for ---------------------------------

    def reply(self, registration_no: str, access_code: str, draft: Optional[str]) -> Status:
        """Add the draft's documents to a filing waiting for them; the clock runs again
        (status back to assigned, or new if nobody took it), the department is e-mailed.

        Raises:
            UnknownFiling: unknown number or wrong code (the same message).
            SubmissionError: the filing waits for nothing, or there is no document.
        """
        canonical = normalise_number(registration_no or "")
        with db.read_connection(self.engine) as conn:
            row = (
                conn.execute(sa.select(filings).where(filings.c.registration_no == canonical)).first()
                if canonical
                else None
            )
        if not codes.matches(None if row is None else row.access_hash, access_code or ""):
            raise UnknownFiling()
        assert row is not None
        now = self.clock()
        with db.write_transaction(self.engine) as conn:
            drafted = (
                conn.execute(
                    sa.select(files.c.id, files.c.name, files.c.sha256)
                    .where(files.c.draft == draft, files.c.submission_id.is_(None))
                    .order_by(files.c.id)
                ).all()
                if draft
                else []
            )
            if not drafted:
                raise SubmissionError("nothing_to_file", copy.NOTHING_TO_REPLY)
            back_to = ASSIGNED if row.assigned_to else NEW
            changed = conn.execute(
                filings.update()
                .where(filings.c.id == row.id, filings.c.status == WAITING)
                .values(status=back_to, waiting_since=None, updated_at=now)
            ).rowcount
            if not changed:
                raise SubmissionError("not_waiting", copy.NOT_WAITING, status=409)
            conn.execute(
                files.update()
                .where(files.c.id.in_([r.id for r in drafted]))
                .values(submission_id=row.id, draft=None, role=REPLY)
            )
            documents = [{"name": r.name, "sha256": r.sha256} for r in drafted]
            archive_step(
                conn, now, archive_conversation(row.year, row.number), CITIZEN_REPLIED,
                f"Cererea nr. {row.registration_no}: solicitantul a trimis {len(drafted)} documente cerute.",
                {"registration_no": row.registration_no, "documents": documents, "status": back_to},
                form_id=row.form_id,
            )  # fmt: skip
            department = load_catalog().departments.get(row.department)
            queue_mail(
                conn, now, department.email if department else None,
                copy.MAIL_REPLY_SUBJECT.format(number=row.registration_no),
                copy.MAIL_REPLY_BODY.format(
                    number=row.registration_no, documents=", ".join(r.name for r in drafted)
                ),
                row.id,
            )  # fmt: skip
        return self.status(registration_no, access_code)


def filing_ids(engine: Engine) -> Sequence[int]:
    """Every filing's id (for tests and the command line)."""
    with db.read_connection(engine) as conn:
        return [int(r[0]) for r in conn.execute(sa.select(filings.c.id).order_by(filings.c.id))]
