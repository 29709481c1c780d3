"""archive: turns, chain head, conversations, purges, tracker events, users, access log

Revision ID: 0001_archive_initial
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table(
        "archive_turns",
        sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("turn_no", sa.Integer, nullable=False),
        sa.Column("conv_prev_seq", BigInt, nullable=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("clerk_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.String(255), nullable=True),
        sa.Column("confidence", sa.Float, nullable=True),
        sa.Column("form_ids", sa.Text, nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("flags", sa.String(400), nullable=False),
        sa.Column("source_key", sa.String(255), nullable=True),
        sa.Column("extra", sa.Text, nullable=True),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("conversation_id", "turn_no", name="uq_archive_turns_conv_turn"),
        sa.UniqueConstraint("conversation_id", "source_key", name="uq_archive_turns_conv_source"),
    )
    op.create_index("ix_archive_turns_at", "archive_turns", ["at"])
    op.create_index("ix_archive_turns_clerk_id", "archive_turns", ["clerk_id"])
    op.create_index("ix_archive_turns_intent", "archive_turns", ["intent"])

    head = op.create_table(
        "archive_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", BigInt, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=True),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH, "at": None}])

    op.create_table(
        "archive_conversations",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("first_at", sa.DateTime, nullable=False),
        sa.Column("last_at", sa.DateTime, nullable=False),
        sa.Column("first_seq", BigInt, nullable=False),
        sa.Column("last_turn_no", sa.Integer, nullable=False),
        sa.Column("last_seq", BigInt, nullable=False),
    )
    op.create_index("ix_archive_conversations_last_at", "archive_conversations", ["last_at"])

    op.create_table(
        "archive_purges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("purged_at", sa.DateTime, nullable=False),
        sa.Column("purged_by", sa.String(64), nullable=False),
        sa.Column("older_than_days", sa.Integer, nullable=False),
        sa.Column("cutoff", sa.DateTime, nullable=False),
        sa.Column("through_seq", BigInt, nullable=False),
        sa.Column("through_hash", sa.String(64), nullable=False),
        sa.Column("turns_deleted", sa.Integer, nullable=False),
        sa.Column("first_at", sa.DateTime, nullable=True),
        sa.Column("last_at", sa.DateTime, nullable=True),
        sa.Column("tracker_events_deleted", sa.Integer, nullable=False),
        sa.Column("record_seq", BigInt, nullable=False),
    )

    op.create_table(
        "tracker_events",
        sa.Column("id", BigInt, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )
    op.create_index("ix_tracker_events_sender_id", "tracker_events", ["sender_id"])
    op.create_index("ix_tracker_events_timestamp", "tracker_events", ["timestamp"])

    op.create_table(
        "archive_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("role IN ('clerk', 'auditor', 'admin')", name="ck_archive_users_role"),
    )

    op.create_table(
        "archive_access_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("result_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_archive_access_log_at", "archive_access_log", ["at"])
    op.create_index("ix_archive_access_log_username", "archive_access_log", ["username"])


def downgrade() -> None:
    for table in (
        "archive_access_log",
        "archive_users",
        "tracker_events",
        "archive_purges",
        "archive_conversations",
        "archive_head",
        "archive_turns",
    ):
        op.drop_table(table)
