"""Fixtures: the same tests run on SQLite and on PostgreSQL.

PostgreSQL: the server of ``ARCHIVE_TEST_PG_URL`` (default: the ``test`` database on
127.0.0.1:5432, or ``DATABASE_URL`` when it points at PostgreSQL) is used to create a
uniquely named database for this run, dropped at the end. With ``CI=true`` an
unreachable server fails the run; elsewhere the PostgreSQL tests are skipped.
"""

import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from typing import Iterator

import psycopg2
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from archive import Archive
from archive.models import GENESIS_HASH
from storage import db

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
ARCHIVE_TABLES = (
    "archive_turns",
    "archive_conversations",
    "archive_purges",
    "tracker_events",
    "archive_access_log",
    # The live chat's tables live in the same schema; purge reaches its transcript.
    "handoff_messages",
    "handoff_conversation_links",
    "sessions",
    "handoff_conversations",
    "accounts",
)


def pg_admin_url() -> str:
    explicit = os.environ.get("ARCHIVE_TEST_PG_URL")
    if explicit:
        return explicit
    env = os.environ.get("DATABASE_URL", "")
    if env.startswith(("postgresql", "postgres://")):
        return db.database_url()
    return DEFAULT_PG_URL


def _pg_connect(url: str):
    u = make_url(url)
    conn = psycopg2.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname=u.database or "postgres",
        connect_timeout=3,
    )
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_server() -> str:
    """URL of a database on the PostgreSQL server, or skip (fail under CI=true)."""
    url = pg_admin_url()
    try:
        _pg_connect(url).close()
    except psycopg2.Error as e:
        message = f"PostgreSQL at {make_url(url).render_as_string(hide_password=True)} does not answer: {e}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    return url


class PgDatabases:
    """Creates uniquely named databases on the server and drops them at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.names = []

    def create(self, prefix: str = "archive_test") -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        conn = _pg_connect(self.admin_url)
        try:
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
                # Commits skip the WAL flush wait: same locking and visibility, only a
                # crash of the *server* could lose them — not what these tests do.
                cur.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            conn.close()
        self.names.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        conn = _pg_connect(self.admin_url)
        try:
            with conn.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            conn.close()
        if name in self.names:
            self.names.remove(name)

    def drop_all(self) -> None:
        for name in list(self.names):
            self.drop(make_url(self.admin_url).set(database=name).render_as_string(False))


@pytest.fixture(scope="session")
def pg_databases(pg_server) -> Iterator[PgDatabases]:
    databases = PgDatabases(pg_server)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def pg_database(pg_databases) -> str:
    """One migrated database for the run; tests empty it before use."""
    url = pg_databases.create()
    db.upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("archive_template") / "template.db"
    db.upgrade(f"sqlite:///{path}")
    return str(path)


def _empty_pg(url: str) -> None:
    conn = _pg_connect(url)
    try:
        with conn.cursor() as cur:
            # DELETE, not TRUNCATE: much faster on tables this small.
            for table in ARCHIVE_TABLES:
                cur.execute(f"DELETE FROM {table}")
            cur.execute("UPDATE archive_head SET seq = 0, hash = %s, at = NULL", (GENESIS_HASH,))
            # The dashboard's daily counts (archive/daily.py) start again from nothing.
            cur.execute("DELETE FROM archive_stats_days")
            cur.execute("UPDATE archive_stats_state SET through_seq = 0, purge_id = 0")
    finally:
        conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path) -> str:
    """A migrated, empty archive database on the backend of this test."""
    if backend == "sqlite":
        path = tmp_path / "archive.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _empty_pg(url)
    return url


@pytest.fixture
def fresh_db_url(backend, request, tmp_path) -> Iterator[str]:
    """An empty, never-migrated database of its own (for tests that break it)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    databases = request.getfixturevalue("pg_databases")
    url = databases.create("archive_fresh")
    yield url
    databases.drop(url)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc))


@pytest.fixture
def archive(db_url, clock) -> Iterator[Archive]:
    archive = Archive(db_url, clock=clock)
    yield archive
    archive.close()


def raw_sql(url: str, *statements: str, **params) -> list:
    """Run SQL behind the archive's back (what an intruder with DB access could do)."""
    engine = db.make_engine(url)
    results = []
    try:
        with engine.begin() as conn:
            for statement in statements:
                result = conn.execute(sa.text(statement), params)
                results.append(result.all() if result.returns_rows else result.rowcount)
    finally:
        engine.dispose()
    return results


@pytest.fixture(autouse=True)
def witness_file(tmp_path, monkeypatch):
    """Each test's own witness file (never the project's var/archive-witness.log)."""
    path = tmp_path / "archive-witness.log"
    monkeypatch.setenv("ARCHIVE_WITNESS", str(path))
    return path
