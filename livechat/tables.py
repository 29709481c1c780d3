"""Tables of the live chat: conversations, their transcript, clerks and console sessions.

The schema is created and changed only by the project's one migration tree
(``storage/migrations``, run by :func:`storage.db.upgrade`); the engine comes from
:func:`storage.db.make_engine`, like every engine of the project.
"""

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa

# The names live in livechat.protocol, which the action server may import.
from livechat.protocol import (  # re-exported: the live chat imports them from here
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


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """An aware UTC datetime, stored naive in UTC (SQLite keeps no offset)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[dt.datetime], dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} stored; pass an aware one")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[dt.datetime], dialect: Any) -> Any:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


metadata = sa.MetaData()

clerks = sa.Table(
    "handoff_clerks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("presence", sa.String(16), nullable=False, server_default=UNAVAILABLE),
    sa.Column("last_seen_at", UTCDateTime, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("presence IN ('activ', 'indisponibil')", name="ck_handoff_clerks_presence"),
)

sessions = sa.Table(
    "handoff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "clerk_id", sa.Integer, sa.ForeignKey("handoff_clerks.id", ondelete="CASCADE"),
        nullable=False, index=True,
    ),  # fmt: skip
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

conversations = sa.Table(
    "handoff_conversations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False, server_default=BOT),
    sa.Column("clerk_id", sa.Integer, sa.ForeignKey("handoff_clerks.id"), nullable=True),
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
    sa.CheckConstraint(
        "(state = 'clerk') = (clerk_id IS NOT NULL)", name="ck_handoff_conversations_clerk"
    ),
    sa.Index("ix_handoff_conversations_state_queued", "state", "queued_at"),
    sa.Index("ix_handoff_conversations_paused_until", "paused_until"),
)

messages = sa.Table(
    "handoff_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "conversation_id", sa.String(64), sa.ForeignKey("handoff_conversations.id"),
        nullable=False, index=True,
    ),  # fmt: skip
    sa.Column("sender", sa.String(16), nullable=False),
    sa.Column("clerk_id", sa.Integer, sa.ForeignKey("handoff_clerks.id"), nullable=True),
    sa.Column("author", sa.String(120), nullable=True),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("data", sa.JSON, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # A citizen's message: its id (the widget's client_id; unique in the conversation, so
    # a resend is stored once) and whether the bot has answered it (pending, done).
    sa.Column("message_id", sa.String(64), nullable=True),
    sa.Column("bot_status", sa.String(8), nullable=True),
    sa.CheckConstraint(
        "sender IN ('citizen', 'bot', 'clerk', 'system')", name="ck_handoff_messages_sender"
    ),
    sa.CheckConstraint("bot_status IN ('pending', 'done')", name="ck_handoff_messages_bot_status"),
    sa.Index("ux_handoff_messages_message_id", "conversation_id", "message_id", unique=True),
    sa.Index("ix_handoff_messages_bot_status", "bot_status"),
)

#: ``bot_status`` of a citizen message handed to the bot, and of one it answered.
PENDING, DONE = "pending", "done"
