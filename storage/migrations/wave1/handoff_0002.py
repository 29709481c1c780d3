"""Pauses and audit flags of a conversation (issue 6: insults, flood, flag and close).

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-28
"""

import sqlalchemy as sa
from alembic import op


def upgrade() -> None:
    with op.batch_alter_table("handoff_conversations") as batch:
        batch.add_column(sa.Column("paused_until", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("flag", sa.String(40), nullable=True))
        batch.add_column(sa.Column("flag_note", sa.String(500), nullable=True))
        batch.add_column(sa.Column("flagged_at", sa.DateTime, nullable=True))
    op.create_index("ix_handoff_conversations_paused_until", "handoff_conversations", ["paused_until"])


def downgrade() -> None:
    op.drop_index("ix_handoff_conversations_paused_until", "handoff_conversations")
    with op.batch_alter_table("handoff_conversations") as batch:
        batch.drop_column("flagged_at")
        batch.drop_column("flag_note")
        batch.drop_column("flag")
        batch.drop_column("paused_until")
