"""The live chat's messages remember their sender's id and whether the bot answered.

- ``handoff_messages.message_id``: the id of a citizen's message (the widget's
  ``client_id``, else one the server chose), unique in its conversation: a message resent
  after a reconnect is recognised and stored once. It is also the ``message_id`` Rasa
  gets, and the archive's ``source_key``.
- ``handoff_messages.bot_status``: ``pending`` from the moment a message is handed to the
  bot until the bot has answered (``done``); a message still pending after a restart is
  handed to the bot again. NULL: not for the bot (a clerk held the conversation, or it
  was paused), or stored before this revision.

Revision ID: 0002_message_delivery
Revises: 0001_one_tree
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_message_delivery"
down_revision = "0001_one_tree"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.add_column(sa.Column("message_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("bot_status", sa.String(8), nullable=True))
        batch.create_check_constraint("ck_handoff_messages_bot_status", "bot_status IN ('pending', 'done')")
    op.create_index(
        "ux_handoff_messages_message_id",
        "handoff_messages",
        ["conversation_id", "message_id"],
        unique=True,
    )
    op.create_index("ix_handoff_messages_bot_status", "handoff_messages", ["bot_status"])


def downgrade() -> None:
    op.drop_index("ix_handoff_messages_bot_status", "handoff_messages")
    op.drop_index("ux_handoff_messages_message_id", "handoff_messages")
    with op.batch_alter_table("handoff_messages") as batch:
        batch.drop_constraint("ck_handoff_messages_bot_status", type_="check")
        batch.drop_column("bot_status")
        batch.drop_column("message_id")
