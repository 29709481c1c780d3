"""Tables of the handoff (conversations, messages, clerks, sessions) and their engine.

The schema is created and changed only by the alembic migrations in
``handoff/migrations/`` (version table ``alembic_version_handoff``, separate from
archive_store's): :func:`migrate` runs them, at Rasa server start and from
``python -m handoff migrate``.

``DATABASE_URL`` selects the database; the default is the embedded SQLite file
``var/efunctionar.db`` of the project, shared with archive_store.
"""

import datetime as dt
import os
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'efunctionar.db'}"
VERSION_TABLE = "alembic_version_handoff"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Conversation states (DESIGN.md) and clerk presence values, as stored.
BOT, QUEUED, CLERK, CLOSED = "bot", "queued", "clerk", "closed"
STATES = (BOT, QUEUED, CLERK, CLOSED)
ACTIVE, UNAVAILABLE = "activ", "indisponibil"
PRESENCES = (ACTIVE, UNAVAILABLE)
# Why a conversation was flagged for audit, and how the console names the reason.
FLAG_REASONS = {
    "limbaj_jignitor": "limbaj jignitor",
    "spam": "spam",
    "altul": "alt motiv",
}
# Who wrote a message of the transcript.
CITIZEN, SYSTEM = "citizen", "system"
SENDERS = (CITIZEN, BOT, CLERK, SYSTEM)


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
    sa.CheckConstraint(
        "sender IN ('citizen', 'bot', 'clerk', 'system')", name="ck_handoff_messages_sender"
    ),
)


def database_url(explicit: Optional[str] = None) -> str:
    """The database in use: ``explicit``, else ``$DATABASE_URL``, else the SQLite file."""
    url = explicit or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    # Heroku-style URLs name the dialect "postgres", which SQLAlchemy 1.4 refuses.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def make_engine(url: Optional[str] = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (see :func:`database_url`); creates the SQLite file's folder."""
    url = database_url(url)
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": 30, "check_same_thread": False}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = sa.create_engine(url, future=True, connect_args=connect_args, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the action server read while the Rasa server writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, future=True, **kwargs)


def _alembic(engine: Engine, operation: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, operation)(config, revision)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the handoff tables of ``engine``'s database up to ``revision``."""
    _alembic(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the handoff tables back to ``revision`` (``base``: drop them)."""
    _alembic(engine, "downgrade", revision)
