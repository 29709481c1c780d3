"""What ties a conversation to the citizen's earlier ones (issue 19): the same browser
(the SHA-256 of the id the widget keeps) or the same filing (its registration number,
proved in the chat with the access code). livechat/tables.py ``conversation_links``.

Revision ID: 0008_conversation_links
Revises: 0007_saved_replies
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_conversation_links"
down_revision = "0007_saved_replies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoff_conversation_links",
        sa.Column(
            "conversation_id", sa.String(64), sa.ForeignKey("handoff_conversations.id"), primary_key=True
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("kind IN ('browser', 'filing')", name="ck_handoff_conversation_links_kind"),
    )
    op.create_index("ix_handoff_conversation_links_key", "handoff_conversation_links", ["kind", "key"])


def downgrade() -> None:
    op.drop_index("ix_handoff_conversation_links_key", "handoff_conversation_links")
    op.drop_table("handoff_conversation_links")
