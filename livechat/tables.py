"""Tables of the live chat: conversations, their transcript, clerks and console sessions.

The schema is created and changed only by the project's one migration tree
(``storage/migrations``, run by :func:`storage.db.upgrade`); the engine comes from
:func:`storage.db.make_engine`, like every engine of the project.
"""

import sqlalchemy as sa

# The names live in livechat.protocol, which the action server may import; the live
# chat's modules import them from here with the tables.
from livechat.protocol import (
    ACTIVE,
    BOT,
    CITIZEN,
    CLERK,
    CLOSED,
    FLAG_REASONS,
    PRESENCES,
    QUEUED,
    SENDERS,
    STATES,
    SYSTEM,
    UNAVAILABLE,
)
from storage.accounts import accounts, sessions
from storage.types import UTCDateTime, metadata, utcnow

__all__ = [
    "ACTIVE", "BOT", "CITIZEN", "CLERK", "CLOSED", "DONE", "FLAG_REASONS", "PENDING",
    "PRESENCES", "QUEUED", "SENDERS", "STATES", "SYSTEM", "UNAVAILABLE", "UTCDateTime",
    "accounts", "clerks", "conversation_links", "conversations", "messages", "metadata", "sessions",
    "utcnow",
]  # fmt: skip

# Clerks are accounts of the one account table (role clerk or admin); their console
# logins are rows of the one sessions table.
clerks = accounts

conversations = sa.Table(
    "handoff_conversations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False, server_default=BOT),
    sa.Column("clerk_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("topic", sa.String(200), nullable=True),
    sa.Column("form_id", sa.String(100), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("queued_at", UTCDateTime, nullable=True),
    sa.Column("taken_at", UTCDateTime, nullable=True),
    sa.Column("citizen_seen_at", UTCDateTime, nullable=True),
    # Until when the citizen's messages are kept but not answered (third insult).
    sa.Column("paused_until", UTCDateTime, nullable=True),
    # The latest audit flag (FLAG_REASONS), with the clerk's note and when it was set.
    sa.Column("flag", sa.String(40), nullable=True),
    sa.Column("flag_note", sa.String(500), nullable=True),
    sa.Column("flagged_at", UTCDateTime, nullable=True),
    sa.CheckConstraint(
        "state IN ('bot', 'queued', 'clerk', 'closed')", name="ck_handoff_conversations_state"
    ),
    sa.CheckConstraint("(state = 'clerk') = (clerk_id IS NOT NULL)", name="ck_handoff_conversations_clerk"),
    sa.Index("ix_handoff_conversations_state_queued", "state", "queued_at"),
    sa.Index("ix_handoff_conversations_paused_until", "paused_until"),
)

messages = sa.Table(
    "handoff_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "conversation_id",
        sa.String(64),
        sa.ForeignKey("handoff_conversations.id"),
        nullable=False,
        index=True,
    ),  # fmt: skip
    sa.Column("sender", sa.String(16), nullable=False),
    sa.Column("clerk_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("author", sa.String(120), nullable=True),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("data", sa.JSON, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # A citizen's message: its id (the widget's client_id; unique in the conversation, so
    # a resend is stored once) and whether the bot has answered it (pending, done).
    sa.Column("message_id", sa.String(64), nullable=True),
    sa.Column("bot_status", sa.String(8), nullable=True),
    sa.CheckConstraint("sender IN ('citizen', 'bot', 'clerk', 'system')", name="ck_handoff_messages_sender"),
    sa.CheckConstraint("bot_status IN ('pending', 'done')", name="ck_handoff_messages_bot_status"),
    sa.Index("ux_handoff_messages_message_id", "conversation_id", "message_id", unique=True),
    sa.Index("ix_handoff_messages_bot_status", "bot_status"),
)

# What ties a conversation to the citizen's others (livechat/earlier.py): ``browser`` (the
# SHA-256 of the id the widget keeps in the browser's storage) or ``filing`` (the
# registration number of a filing the citizen proved with its access code in the chat).
# Deleted by the retention purge with the transcript (archive.archive._purge_transcripts).
conversation_links = sa.Table(
    "handoff_conversation_links",
    metadata,
    sa.Column("conversation_id", sa.String(64), sa.ForeignKey("handoff_conversations.id"), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("kind IN ('browser', 'filing')", name="ck_handoff_conversation_links_kind"),
    sa.Index("ix_handoff_conversation_links_key", "kind", "key"),
)

#: ``bot_status`` of a citizen message handed to the bot, and of one it answered.
PENDING, DONE = "pending", "done"
