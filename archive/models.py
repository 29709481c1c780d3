"""SQLAlchemy models of the archive database.

The schema itself is created and changed only by the alembic migrations in
``storage/migrations``; these classes describe it for queries (and for
``alembic revision --autogenerate`` when a migration is written).

Times are naive ``DateTime`` values in UTC on both SQLite and PostgreSQL, so that the
value read back is exactly the value hashed.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()  # Any: mypy sees no SQLAlchemy plugin here

# BIGINT on PostgreSQL; SQLite only autoincrements an INTEGER primary key.
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The bot's and clerks' messages that sent a citizen to another department: the condition
#: of a partial index, written once so that the queries (archive/stats.py) repeat it
#: exactly and the planner can prove the index applies.
REDIRECT_WHERE = """speaker IN ('bot', 'clerk') AND extra LIKE '%"redirect"%'"""

#: prev_hash of the first turn ever written.
GENESIS_HASH = "0" * 64


class Turn(Base):
    """One turn of one conversation, a link of the archive's hash chain.

    ``seq`` numbers the whole archive (one chain, see README); ``turn_no`` numbers the
    turns of one conversation. Rows are only ever inserted, except by the retention purge.
    """

    __tablename__ = "archive_turns"

    seq = sa.Column(BigInt, primary_key=True, autoincrement=False)
    conversation_id = sa.Column(sa.String(255), nullable=False)
    turn_no = sa.Column(sa.Integer, nullable=False)
    #: seq of the previous turn of the same conversation (names deleted turns in verify)
    conv_prev_seq = sa.Column(BigInt, nullable=True)
    at = sa.Column(sa.DateTime, nullable=False, index=True)
    speaker = sa.Column(sa.String(16), nullable=False)
    event = sa.Column(sa.String(40), nullable=False)
    clerk_id = sa.Column(sa.String(64), nullable=True, index=True)
    text = sa.Column(sa.Text, nullable=False)
    intent = sa.Column(sa.String(255), nullable=True, index=True)
    confidence = sa.Column(sa.Float, nullable=True)
    #: JSON list of forms_catalog ids shown in this turn
    form_ids = sa.Column(sa.Text, nullable=False)
    channel = sa.Column(sa.String(64), nullable=True)
    #: ",flag1,flag2," (sorted), so that LIKE '%,flag,%' finds a flag on any database
    flags = sa.Column(sa.String(400), nullable=False)
    #: the sender's id for this turn (e.g. Rasa message_id): a retry is not stored twice
    source_key = sa.Column(sa.String(255), nullable=True)
    #: canonical JSON of anything else shown (buttons, attachments, event details)
    extra = sa.Column(sa.Text, nullable=True)
    #: lower-case text without diacritics, for search; derived, not hashed
    search_text = sa.Column(sa.Text, nullable=False)
    prev_hash = sa.Column(sa.String(64), nullable=False)
    hash = sa.Column(sa.String(64), nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "turn_no", name="uq_archive_turns_conv_turn"),
        sa.UniqueConstraint("conversation_id", "source_key", name="uq_archive_turns_conv_source"),
        # The admin dashboard's (migration 0006, archive/stats.py).
        sa.Index("ix_archive_turns_event_at", "event", "at"),
        sa.Index(
            "ix_archive_turns_speaker_at", "speaker", "at", "intent", "confidence", "conversation_id", "form_ids"
        ),
        sa.Index(
            "ix_archive_turns_redirect", "speaker", "at",
            sqlite_where=sa.text(REDIRECT_WHERE), postgresql_where=sa.text(REDIRECT_WHERE),
        ),
    )  # fmt: skip


class ChainHead(Base):
    """The single row holding the end of the chain; writers lock it to append."""

    __tablename__ = "archive_head"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    seq = sa.Column(BigInt, nullable=False)
    hash = sa.Column(sa.String(64), nullable=False)
    at = sa.Column(sa.DateTime, nullable=True)


class Conversation(Base):
    """Per-conversation counters, kept by the writer under the chain lock."""

    __tablename__ = "archive_conversations"

    conversation_id = sa.Column(sa.String(255), primary_key=True)
    channel = sa.Column(sa.String(64), nullable=True)
    first_at = sa.Column(sa.DateTime, nullable=False)
    last_at = sa.Column(sa.DateTime, nullable=False, index=True)
    first_seq = sa.Column(BigInt, nullable=False)
    last_turn_no = sa.Column(sa.Integer, nullable=False)
    last_seq = sa.Column(BigInt, nullable=False)

    __table_args__ = (sa.Index("ix_archive_conversations_first_at", "first_at", "conversation_id"),)


class Purge(Base):
    """A retention purge: the checkpoint ``verify`` starts from, and the history shown."""

    __tablename__ = "archive_purges"

    id = sa.Column(sa.Integer, primary_key=True)
    purged_at = sa.Column(sa.DateTime, nullable=False)
    purged_by = sa.Column(sa.String(64), nullable=False)
    older_than_days = sa.Column(sa.Integer, nullable=False)
    cutoff = sa.Column(sa.DateTime, nullable=False)
    #: turns with seq <= through_seq were deleted; through_hash was the hash of the last
    through_seq = sa.Column(BigInt, nullable=False)
    through_hash = sa.Column(sa.String(64), nullable=False)
    turns_deleted = sa.Column(sa.Integer, nullable=False)
    first_at = sa.Column(sa.DateTime, nullable=True)
    last_at = sa.Column(sa.DateTime, nullable=True)
    tracker_events_deleted = sa.Column(sa.Integer, nullable=False)
    #: seq of the chained record of this purge (conversation "_archive")
    record_seq = sa.Column(BigInt, nullable=False)


class TrackerEvent(Base):
    """Rasa's conversation state: the same columns as Rasa's ``SQLTrackerStore``."""

    __tablename__ = "tracker_events"

    id = sa.Column(BigInt, primary_key=True, autoincrement=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    type_name = sa.Column(sa.String(255), nullable=False)
    timestamp = sa.Column(sa.Float, index=True)
    intent_name = sa.Column(sa.String(255))
    action_name = sa.Column(sa.String(255))
    data = sa.Column(sa.Text)


class AccessRecord(Base):
    """Who viewed or exported what from the archive, and when."""

    __tablename__ = "archive_access_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, index=True)
    username = sa.Column(sa.String(64), nullable=False, index=True)
    action = sa.Column(sa.String(32), nullable=False)
    #: conversation id, or the JSON of the search parameters
    target = sa.Column(sa.Text, nullable=False)
    result_count = sa.Column(sa.Integer, nullable=False)


class StatsDay(Base):
    """The admin dashboard's counts per Europe/Bucharest day (archive/daily.py)."""

    __tablename__ = "archive_stats_days"

    metric = sa.Column(sa.String(40), primary_key=True)
    day = sa.Column(sa.Date, primary_key=True)
    key = sa.Column(sa.String(255), primary_key=True)
    value = sa.Column(sa.BigInteger, nullable=False)


class StatsState(Base):
    """The one row saying how far ``archive_stats_days`` has counted the chain."""

    __tablename__ = "archive_stats_state"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    #: every turn with seq <= through_seq (and conversation with first_seq <=) is counted
    through_seq = sa.Column(BigInt, nullable=False)
    #: the newest archive_purges.id when counted: a newer purge makes the counts rebuilt
    purge_id = sa.Column(sa.Integer, nullable=False)
    refreshed_at = sa.Column(sa.DateTime, nullable=True)
