"""What the submissions hand out: plain dataclasses, no rows, no file contents."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from submissions.copy import STATUS_NAMES
from submissions.tables import CLOSED_STATUSES
from submissions.terms import TIMEZONE, local_date


@dataclass(frozen=True)
class Document:
    id: int
    role: str
    name: str
    content_type: str
    size: int
    sha256: str
    requirement: Optional[int] = None
    signature_verdict: Optional[str] = None
    signature_message: Optional[str] = None

    def as_json(self) -> Dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Filing:
    """A filing as the department sees it."""

    id: int
    registration_no: str
    form_id: str
    form_title: str
    department: str
    status: str
    filed_at: dt.datetime
    due_on: dt.date
    term_days: int
    term_basis: str
    citizen_name: str
    citizen_email: Optional[str]
    citizen_phone: Optional[str]
    conversation_id: Optional[str]
    subject: Optional[str]
    message: Optional[str]
    assigned_to: Optional[str]
    waiting_since: Optional[dt.datetime]
    request_text: Optional[str]
    resolution: Optional[str]
    documents: Tuple[Document, ...] = field(default=())

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    def overdue(self, now: dt.datetime) -> bool:
        """Still open after its due date (Europe/Bucharest)."""
        return self.status not in CLOSED_STATUSES and local_date(now) > self.due_on

    def as_json(self, now: dt.datetime) -> Dict[str, Any]:
        return {
            "id": self.id,
            "registration_no": self.registration_no,
            "form_id": self.form_id,
            "form_title": self.form_title,
            "department": self.department,
            "status": self.status,
            "status_name": self.status_name,
            "filed_at": self.filed_at.isoformat(),
            "filed_local": f"{self.filed_at.astimezone(TIMEZONE):%d.%m.%Y %H:%M}",
            "due_on": f"{self.due_on:%d.%m.%Y}",
            "term_basis": self.term_basis,
            "overdue": self.overdue(now),
            "citizen_name": self.citizen_name,
            "citizen_email": self.citizen_email,
            "citizen_phone": self.citizen_phone,
            "subject": self.subject,
            "message": self.message,
            "assigned_to": self.assigned_to,
            "request_text": self.request_text,
            "resolution": self.resolution,
            "documents": [d.as_json() for d in self.documents],
        }


@dataclass(frozen=True)
class Filed:
    """What the citizen gets when a filing is registered."""

    filing_id: int
    registration_no: str
    access_code: str
    due_on: dt.date
    receipt_token: str
    receipt_sha256: str
    documents: List[Document]


@dataclass(frozen=True)
class Status:
    """What the citizen reads about their filing (number and access code given)."""

    registration_no: str
    form_title: str
    status: str
    filed_at: dt.datetime
    due_on: dt.date
    request_text: Optional[str]
    resolution: Optional[str]

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass(frozen=True)
class Notice:
    """A status change to tell the citizen: in the chat if connected (``conversation_id``),
    and by e-mail (already in the outbox)."""

    filing_id: int
    registration_no: str
    conversation_id: Optional[str]
    text: str
    answer_link: Optional[str] = None
    reply_link: Optional[str] = None
