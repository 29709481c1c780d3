"""Tables of the submissions: filings, their files, the registration counter, the outbox.

The schema is created only by the one migration tree (``storage/migrations``, revision
``0004_submissions``); these Core tables share :data:`storage.types.metadata` with the
accounts, so the foreign keys resolve.
"""

import sqlalchemy as sa

from storage.types import UTCDateTime, metadata

NEW, ASSIGNED, WAITING, RESOLVED, REJECTED = "new", "assigned", "waiting_citizen", "resolved", "rejected"
STATUSES = (NEW, ASSIGNED, WAITING, RESOLVED, REJECTED)
OPEN_STATUSES = (NEW, ASSIGNED, WAITING)
CLOSED_STATUSES = (RESOLVED, REJECTED)

# What a file of a filing is.
DOCUMENT, SIGNED_FORM, RECEIPT, ANSWER, REPLY = "document", "signed_form", "receipt", "answer", "reply"
FILE_ROLES = (DOCUMENT, SIGNED_FORM, RECEIPT, ANSWER, REPLY)

counters = sa.Table(
    "submission_counters",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_number", sa.Integer, nullable=False),
)

filings = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("registration_no", sa.String(32), nullable=False, unique=True),
    sa.Column("form_id", sa.String(64), nullable=False),
    sa.Column("department", sa.String(64), nullable=False, index=True),
    sa.Column("subject", sa.String(200), nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("conversation_id", sa.String(255), nullable=True, index=True),
    sa.Column("citizen_name", sa.String(200), nullable=False),
    sa.Column("citizen_email", sa.String(254), nullable=True),
    sa.Column("citizen_phone", sa.String(32), nullable=True),
    sa.Column("access_hash", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("filed_at", UTCDateTime, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("term_days", sa.Integer, nullable=False),
    sa.Column("term_basis", sa.String(300), nullable=False),
    sa.Column("assigned_to", sa.String(64), nullable=True),
    sa.Column("waiting_since", UTCDateTime, nullable=True),
    sa.Column("request_text", sa.Text, nullable=True),
    sa.Column("resolution", sa.Text, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("year", "number", name="uq_submissions_year_number"),
    sa.CheckConstraint(
        "status IN ('new', 'assigned', 'waiting_citizen', 'resolved', 'rejected')",
        name="ck_submissions_status",
    ),
)

files = sa.Table(
    "submission_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # NULL while the file belongs to a draft not yet confirmed.
    sa.Column(
        "submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("draft", sa.String(64), nullable=True, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("requirement", sa.Integer, nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("content_type", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    # NULL once a receipt's download time is over (its SHA-256 stays).
    sa.Column("data", sa.LargeBinary, nullable=True),
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("signature_verdict", sa.String(16), nullable=True),
    sa.Column("signature_message", sa.String(500), nullable=True),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.Index("ix_submission_files_submission_id", "submission_id"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=True
    ),
    sa.Column("to_address", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.String(300), nullable=True),
    sa.Index("ix_outbox_due", "sent_at", "next_attempt_at"),
)
