"""Clerks, console sessions, conversations and their transcript.

Revision ID: 0001
Revises:
Create Date: 2025-11-28
"""

import sqlalchemy as sa
from alembic import op


def upgrade() -> None:
    op.create_table(
        "handoff_clerks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("presence", sa.String(16), nullable=False, server_default="indisponibil"),
        sa.Column("last_seen_at", sa.DateTime, nullable=True),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("presence IN ('activ', 'indisponibil')", name="ck_handoff_clerks_presence"),
    )
    op.create_table(
        "handoff_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "clerk_id",
            sa.Integer,
            sa.ForeignKey("handoff_clerks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_handoff_sessions_clerk_id", "handoff_sessions", ["clerk_id"])
    op.create_table(
        "handoff_conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="bot"),
        sa.Column("clerk_id", sa.Integer, sa.ForeignKey("handoff_clerks.id"), nullable=True),
        sa.Column("topic", sa.String(200), nullable=True),
        sa.Column("form_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=True),
        sa.Column("taken_at", sa.DateTime, nullable=True),
        sa.Column("citizen_seen_at", sa.DateTime, nullable=True),
        sa.CheckConstraint(
            "state IN ('bot', 'queued', 'clerk', 'closed')",
            name="ck_handoff_conversations_state",
        ),
        sa.CheckConstraint(
            "(state = 'clerk') = (clerk_id IS NOT NULL)", name="ck_handoff_conversations_clerk"
        ),
    )
    op.create_index("ix_handoff_conversations_state_queued", "handoff_conversations", ["state", "queued_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("handoff_conversations.id"),
            nullable=False,
        ),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("clerk_id", sa.Integer, sa.ForeignKey("handoff_clerks.id"), nullable=True),
        sa.Column("author", sa.String(120), nullable=True),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("data", sa.JSON, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint(
            "sender IN ('citizen', 'bot', 'clerk', 'system')", name="ck_handoff_messages_sender"
        ),
    )
    op.create_index("ix_handoff_messages_conversation_id", "handoff_messages", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("handoff_messages")
    op.drop_table("handoff_conversations")
    op.drop_table("handoff_sessions")
    op.drop_table("handoff_clerks")
