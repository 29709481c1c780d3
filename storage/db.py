"""The one database of e-funcționar: its URL, engines and migrations.

One database holds everything — the archive, Rasa's tracker events, the live chat's
conversations, accounts and login sessions: an SQLite file under ``var/`` by default,
PostgreSQL when ``DATABASE_URL`` points at one. ``DATABASE_URL`` is read here and
nowhere else (:func:`database_url`).

Every engine is made by :func:`make_engine`, so every engine behaves alike: at run time
SQLite is opened ``mode=rw`` (a missing file is an outage, never a new empty database)
and every pooled connection is checked, at checkout, to be still on the file at that
path (a replaced or moved file is an outage until the file is back). Only
:func:`upgrade` creates the file.

Nothing here runs at import: engines are made on demand by the callers, which own
and dispose of them.
"""

import asyncio
import contextlib
import functools
import logging
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple, Type, TypeVar, Union
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import QueuePool

from storage.errors import DatabaseUnavailable, SchemaNotReady

logger = logging.getLogger(__name__)

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "efunctionar.db"
DATABASE_URL_ENV = "DATABASE_URL"

#: alembic's version table: one migration tree for the whole schema (storage/migrations).
VERSION_TABLE = "alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The command that creates or upgrades the schema, named in error messages.
UPGRADE_COMMAND = "python -m storage upgrade"

#: Seconds a thread may hold the interpreter lock while a database worker waits for it
#: (Python's default is 0.005). Each statement a worker runs releases the lock (for the
#: round trip, or SQLite's own work) and must win it back from the busy event loop:
#: with 50 conversations at once, 1 ms against 5 ms took the archive on PostgreSQL from
#: 86 % to 90 % of the in-memory throughput (bench/README.md).
WORKER_SWITCH_INTERVAL = 0.001
#: Seconds a pooled PostgreSQL connection may sit idle and still be used unchecked.
PG_PING_AFTER_IDLE = 5.0
#: Seconds a writer waits for SQLite's write lock before giving up.
SQLITE_BUSY_TIMEOUT = 30.0
#: Any fixed number: the PostgreSQL advisory lock that serialises concurrent upgrades.
_PG_MIGRATION_LOCK = 7_245_001

# Execution option that makes a transaction take SQLite's write lock at BEGIN.
WRITE_OPTION = "archive_write"
# Execution option of a connection that runs one statement, outside any transaction.
ONE_STATEMENT_OPTION = "archive_one_statement"


def database_url(env: Optional[Mapping[str, str]] = None) -> str:
    """The URL of the database: ``$DATABASE_URL``, else the SQLite file under ``var/``."""
    env = os.environ if env is None else env
    url = (env.get(DATABASE_URL_ENV) or "").strip()
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # Heroku-style URLs; SQLAlchemy 1.4 only knows the "postgresql" name.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def resolve_url(url: Union[str, URL, None]) -> URL:
    """Parse ``url`` (``None`` means :func:`database_url`) and check it is usable."""
    try:
        parsed = make_url(url if url is not None else database_url())
    except sa.exc.ArgumentError as e:
        raise ValueError(f"{DATABASE_URL_ENV} is not a valid database URL: {e}") from e
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"{DATABASE_URL_ENV} must be an sqlite:/// or postgresql:// URL, not {backend!r}")
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValueError(
            "The database must be an SQLite file (e.g. sqlite:///var/efunctionar.db); an "
            "in-memory database would be lost on restart."
        )
    return parsed


def is_sqlite(engine_or_conn: Union[Engine, Connection]) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


async def run(engine: Engine, work: Callable[..., T], *args: Any) -> T:
    """Runs blocking database ``work`` for a coroutine of the Rasa server.

    On SQLite the work runs right here, on the event loop's thread: a read or a
    single append takes well under a millisecond, a WAL reader never waits for a
    writer, and handing each of them to a worker thread costs more than it saves (the
    worker must win the GIL back from the busy event loop after every statement: 51
    messages/s against 65 on the loop, bench/README.md). On PostgreSQL the work goes
    to a worker thread (:func:`run_in_worker`), so that network waits and another
    instance's row lock never stall the loop.

    The tracker store's group commit is the exception: it always calls
    :func:`run_in_worker`.
    """
    if is_sqlite(engine):
        return work(*args)
    return await run_in_worker(work, *args)


async def run_in_worker(work: Callable[..., T], *args: Any) -> T:
    """Runs blocking database ``work`` in a worker thread, whatever the database.

    For the tracker store's group commit: while one transaction is committed in the
    worker (SQLite's own work and its fsync release the GIL and use the other core),
    the loop goes on handling messages, and the saves they queue make up the next,
    larger transaction. On SQLite that took the archive from 121-122 to 126-133
    messages/s in three paired runs (bench/README.md). The interpreter's switch
    interval is shortened to :data:`WORKER_SWITCH_INTERVAL` for it.
    """
    if sys.getswitchinterval() > WORKER_SWITCH_INTERVAL:
        sys.setswitchinterval(WORKER_SWITCH_INTERVAL)
    return await asyncio.to_thread(work, *args)


@functools.lru_cache(maxsize=64)
def url_key(url: URL) -> str:
    """``url`` as one string, password included: two engines on one database have the
    same (a URL is immutable, so the rendering is kept)."""
    return url.render_as_string(hide_password=False)


def sqlite_path(url: URL) -> Path:
    """Absolute path of an SQLite URL; relative paths are relative to the project."""
    path = Path(url.database or "")
    return path if path.is_absolute() else PROJECT_ROOT / path


def application_name() -> str:
    """The name PostgreSQL shows for this process's connections (``pg_stat_activity``):
    ``EF_DB_APPLICATION_NAME``, e.g. one per instance of a deployment, or "e-functionar"."""
    return os.environ.get("EF_DB_APPLICATION_NAME", "").strip()[:63] or "e-functionar"


def make_engine(url: Union[str, URL, None] = None, *, create: bool = False) -> Engine:
    """An engine for the database.

    Args:
        url: database URL; ``None`` reads ``DATABASE_URL`` (see :func:`database_url`).
        create: for SQLite, create the file (and ``var/``) if missing. Only
            :func:`upgrade` does this: at run time a missing file means the database
            went away, and silently starting a new empty one would hide that.
    """
    parsed = resolve_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(parsed, create=create)
    engine = sa.create_engine(
        parsed,
        pool_size=int(os.environ.get("ARCHIVE_PG_POOL_SIZE", "5")),
        max_overflow=int(os.environ.get("ARCHIVE_PG_MAX_OVERFLOW", "10")),
        isolation_level="READ COMMITTED",
        # pg_stat_activity names the process: EF_DB_APPLICATION_NAME tells instances apart.
        connect_args={"connect_timeout": 5, "application_name": application_name()},
        # An executemany of UPDATEs (a saved batch's conversations) in one round trip
        # too, not one per row; INSERTs already go as one multi-row VALUES.
        executemany_mode="values_plus_batch",
        future=True,
    )
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled PostgreSQL connection before use if it sat idle a while.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one more round trip for
    every tracker load and save. A connection used less than
    :data:`PG_PING_AFTER_IDLE` seconds ago is handed out as is; an older one is pinged
    and, if the server closed it (a restart, an idle timeout), replaced by a new one.
    If the server goes away while connections are in use, the statement that finds out
    fails with :class:`DatabaseUnavailable` (the sender is told and can send again),
    SQLAlchemy drops every pooled connection, and the next unit of work reconnects.
    """

    @sa.event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PG_PING_AFTER_IDLE:
            return  # new, or in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.dbapi.Error as e:
            raise sa.exc.DisconnectionError(f"pooled connection failed its ping: {e}") from e
        if not alive:
            raise sa.exc.DisconnectionError("the server closed a pooled connection")


def _make_sqlite_engine(url: URL, *, create: bool) -> Engine:
    path = sqlite_path(url)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = "rwc" if create else "rw"
    uri = f"file:{quote(str(path))}?mode={mode}"

    def connect() -> sqlite3.Connection:
        if not create and not path.exists():
            raise sqlite3.OperationalError(
                f"database file {path} does not exist (moved or deleted?); create it with `{UPGRADE_COMMAND}`"
            )
        # isolation_level=None: the driver never opens transactions behind our back;
        # the "begin" listener below emits BEGIN itself.
        return sqlite3.connect(
            uri,
            uri=True,
            timeout=SQLITE_BUSY_TIMEOUT,
            isolation_level=None,
            check_same_thread=False,
        )

    # Pooled connections, checked at every checkout (below) to be still on the file
    # at ``path``: a file moved or deleted away must fail the next unit of work, not
    # let it commit into an unlinked inode.
    engine = sa.create_engine(
        f"sqlite:///{path}",
        creator=connect,
        poolclass=QueuePool,
        pool_size=5,
        max_overflow=10,
        future=True,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer. Persistent, so a no-op once set.
        _set_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit reaches the disk before we acknowledge the turn.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()
        _record.info["inode"] = _inode(path)

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(_dbapi_connection: object, record: Any, _proxy: object) -> None:
        if _inode(path) != record.info.get("inode"):
            # The pool drops this connection and opens a new one, which fails
            # with "does not exist" if the file is gone.
            raise sa.exc.DisconnectionError(f"database file {path} was moved or replaced")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock at BEGIN, so the chain head it reads cannot
        # change before it commits; readers stay deferred and never block (WAL).
        # A one-statement read (read_connection) needs no transaction of its own.
        options = conn.get_execution_options()
        if options.get(ONE_STATEMENT_OPTION):
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")

    return engine


def _set_wal(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL, waiting while another connection holds the lock.

    Switching the journal mode of a new file needs an exclusive lock, and SQLite may
    answer "database is locked" at once instead of calling the busy handler when several
    connections open a fresh file together (seen with parallel ``upgrade`` calls).
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _inode(path: Path) -> Optional[Tuple[int, int]]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


#: The errors a package raises for a database failure: (unavailable, schema not ready).
ErrorKinds = Tuple[Type[DatabaseUnavailable], Type[SchemaNotReady]]
STORAGE_ERRORS: ErrorKinds = (DatabaseUnavailable, SchemaNotReady)


def unavailable(action: str, error: Exception, kinds: ErrorKinds = STORAGE_ERRORS) -> DatabaseUnavailable:
    """The error a caller sees when the database failed during ``action``.

    ``kinds`` are the calling package's subclasses of :class:`DatabaseUnavailable` and
    :class:`SchemaNotReady` (the archive raises its own, which are both).
    """
    unavailable_kind, not_ready_kind = kinds
    detail = (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
    missing_table = "no such table" in detail or ("relation" in detail and "does not exist" in detail)
    if missing_table:
        return not_ready_kind(
            f"The database has no schema while trying to {action} ({detail}); run `{UPGRADE_COMMAND}`."
        )
    return unavailable_kind(f"Database unavailable while trying to {action}: {detail}")


@contextlib.contextmanager
def db_errors(action: str, kinds: ErrorKinds = STORAGE_ERRORS) -> Iterator[None]:
    """Turn driver errors into :class:`DatabaseUnavailable` (of ``kinds``) naming ``action``."""
    try:
        yield
    except sa.exc.DBAPIError as e:
        logger.error("storage: cannot %s: %s", action, e)
        raise unavailable(action, e, kinds) from e


class FairLock:
    """A first-come, first-served lock.

    ``threading.Lock`` lets the thread that releases it take it again at once, so
    under a steady stream of appends one writer can wait for a second or more.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._condition:
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._condition.wait()

    def __exit__(self, *exc: object) -> None:
        with self._condition:
            self._serving += 1
            self._condition.notify_all()


# One lock per SQLite file for the writers of this process (several engines may write
# the same file: the tracker store and the channel's sink). Waiting on it is fair and
# wakes at once; SQLite's own busy handler polls with sleeps of up to 100 ms, which is
# what writers in *other* processes still rely on.
_sqlite_write_locks: Dict[str, FairLock] = {}
_sqlite_write_locks_guard = threading.Lock()


def _sqlite_write_lock(engine: Engine) -> FairLock:
    key = str(engine.url.database)
    with _sqlite_write_locks_guard:
        return _sqlite_write_locks.setdefault(key, FairLock())


def upsert(conn: Connection, table: sa.Table) -> Any:
    """An ``INSERT`` into ``table`` in the connection's dialect, for its ``on_conflict_do_*``
    (SQLite and PostgreSQL spell them alike): one statement where reading first, then
    writing would make a SQLite reader a writer, refused at once if another connection
    committed in between."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that may write: commits on success, rolls back on error.

    On SQLite it holds the database write lock from BEGIN (``BEGIN IMMEDIATE``); on
    PostgreSQL the chain head row is locked by the writer itself (``FOR UPDATE``).
    """
    in_process = _sqlite_write_lock(engine) if is_sqlite(engine) else contextlib.nullcontext()
    with in_process, engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextlib.contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for a unit of work made of one ``SELECT`` (a tracker load).

    One statement is consistent by itself, so it runs without ``BEGIN`` and
    ``COMMIT``: on PostgreSQL in autocommit mode (two round trips to the server less),
    on SQLite in the driver's own autocommit mode (no ``BEGIN`` from ``_on_begin``;
    SQLAlchemy's closing rollback finds no transaction and does nothing).
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            yield conn.execution_options(**{ONE_STATEMENT_OPTION: True})
        else:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")


def alembic_config(connection: Optional[Connection] = None) -> Any:
    """alembic configuration of the project's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(
    url: Union[str, URL, None] = None, revision: str = "head", kinds: ErrorKinds = STORAGE_ERRORS
) -> None:
    """Bring the schema to ``revision`` (default: the latest).

    Safe to call at every start and from several processes at once: on SQLite the
    migration runs under the database write lock, on PostgreSQL under an advisory
    lock, so the second caller finds the work done. Creates the SQLite file if needed.
    """
    from alembic import command

    engine = make_engine(url, create=True)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if not is_sqlite(conn):
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                command.upgrade(alembic_config(conn), revision)
    except sa.exc.DBAPIError as e:
        raise unavailable("upgrade the schema", e, kinds) from e
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> Optional[str]:
    """The schema revision of the database, ``None`` if never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    """The latest revision shipped in ``storage/migrations``."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations has no revision"
    return head


def check_schema(engine: Engine, kinds: ErrorKinds = STORAGE_ERRORS) -> None:
    """Raise :class:`SchemaNotReady` (of ``kinds``) unless the schema is at the latest
    revision."""
    with db_errors("read the schema version", kinds):
        current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise kinds[1](
            f"The database schema is at {current or 'nothing'}, this code needs {head}: "
            f"run `{UPGRADE_COMMAND}` (database {engine.url!r})."
        )


def downgrade(url: Union[str, URL, None] = None, revision: str = "base") -> None:
    """Take the schema back to ``revision`` (``base``: drop every table). For tests and
    for undoing a failed upgrade by hand; never run by the application."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), revision)
    finally:
        engine.dispose()
