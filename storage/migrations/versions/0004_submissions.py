"""Online submissions (issue 14): filings, their files, the registration counter, the outbox.

- ``submission_counters``: one row per year, ``last_number`` the last registration number
  given; taken in the filing's own transaction (a rolled-back filing gives its number
  back, so numbers have no gaps and are never reused).
- ``submissions``: a filed request — ``registration_no`` "N/DD.MM.YYYY", form, department,
  the citizen's contact, the access code (hashed), status, due date of the legal term.
- ``submission_files``: documents, the citizen's signed PDF, the receipt and the
  department's answer, stored in the database (so that the retention purge and backups
  reach them with the rest); ``draft`` holds uploads not yet confirmed.
- ``outbox``: e-mails waiting to be sent over SMTP, retried until sent.

Revision ID: 0004_submissions
Revises: 0003_one_account_table
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_submissions"
down_revision = "0003_one_account_table"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("registration_no", sa.String(32), nullable=False, unique=True),
        sa.Column("form_id", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("conversation_id", sa.String(255), nullable=True),
        sa.Column("citizen_name", sa.String(200), nullable=False),
        sa.Column("citizen_email", sa.String(254), nullable=True),
        sa.Column("citizen_phone", sa.String(32), nullable=True),
        sa.Column("access_hash", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("filed_at", sa.DateTime, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("term_days", sa.Integer, nullable=False),
        sa.Column("term_basis", sa.String(300), nullable=False),
        sa.Column("assigned_to", sa.String(64), nullable=True),
        sa.Column("waiting_since", sa.DateTime, nullable=True),
        sa.Column("request_text", sa.Text, nullable=True),
        sa.Column("resolution", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("year", "number", name="uq_submissions_year_number"),
        sa.CheckConstraint(
            "status IN ('new', 'assigned', 'waiting_citizen', 'resolved', 'rejected')",
            name="ck_submissions_status",
        ),
    )
    op.create_index("ix_submissions_department", "submissions", ["department"])
    op.create_index("ix_submissions_conversation_id", "submissions", ["conversation_id"])
    op.create_table(
        "submission_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("draft", sa.String(64), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("requirement", sa.Integer, nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("signature_verdict", sa.String(16), nullable=True),
        sa.Column("signature_message", sa.String(500), nullable=True),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_submission_files_draft", "submission_files", ["draft"])
    op.create_index("ix_submission_files_submission_id", "submission_files", ["submission_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox", ["sent_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("submission_files")
    op.drop_table("submissions")
    op.drop_table("submission_counters")
