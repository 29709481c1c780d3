"""Rows of the submissions tables as the dataclasses of :mod:`submissions.views`."""

from typing import Any, Iterable, List, Sequence

from forms_catalog import load_catalog
from submissions.views import Document, Filing


def documents_of(rows: Iterable[Any]) -> List[Document]:
    return [
        Document(
            int(r.id),
            r.role,
            r.name,
            r.content_type,
            int(r.size),
            r.sha256,
            r.requirement,
            r.signature_verdict,
            r.signature_message,
        )  # fmt: skip
        for r in rows
    ]


def filing_from_row(row: Any, documents: Sequence[Document]) -> Filing:
    form = load_catalog().forms.get(row.form_id)
    return Filing(
        id=int(row.id),
        registration_no=row.registration_no,
        form_id=row.form_id,
        form_title=form.title if form else row.form_id,
        department=row.department,
        status=row.status,
        filed_at=row.filed_at,
        due_on=row.due_on,
        term_days=row.term_days,
        term_basis=row.term_basis,
        citizen_name=row.citizen_name,
        citizen_email=row.citizen_email,
        citizen_phone=row.citizen_phone,
        conversation_id=row.conversation_id,
        subject=row.subject,
        message=row.message,
        assigned_to=row.assigned_to,
        waiting_since=row.waiting_since,
        request_text=row.request_text,
        resolution=row.resolution,
        documents=tuple(documents),
    )
