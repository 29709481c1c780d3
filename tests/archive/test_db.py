"""archive/db.py: URLs, engines and the alembic migrations."""

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from archive import Archive, ArchiveNotInitialised, ArchiveUnavailable, TurnIn
from archive.models import Base
from storage import db


def test_default_url_is_the_sqlite_file_under_var():
    url = db.database_url({})
    assert url == f"sqlite:///{db.PROJECT_ROOT / 'var' / 'efunctionar.db'}"


def test_database_url_comes_from_the_environment():
    assert db.database_url({"DATABASE_URL": "postgresql://u@h/db"}) == "postgresql://u@h/db"
    assert db.database_url({"DATABASE_URL": "postgres://u@h/db"}) == "postgresql://u@h/db"
    assert db.database_url({"DATABASE_URL": "  "}).startswith("sqlite:///")


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://u@h/db", "sqlite:/// or postgresql://"),
        ("sqlite://", "SQLite file"),
        ("sqlite:///:memory:", "SQLite file"),
        ("not a url", "not a valid database URL"),
    ],
)
def test_unusable_urls_are_refused_with_the_setting_named(url, message):
    with pytest.raises(ValueError, match=message) as info:
        db.resolve_url(url)
    assert "DATABASE_URL" in str(info.value) or "SQLite" in str(info.value)


def test_nothing_connects_before_first_use():
    # A server that does not exist: constructing must not try to reach it.
    archive = Archive("postgresql://nobody@127.0.0.1:1/nothing")
    with pytest.raises(ArchiveUnavailable):
        archive.head()


def test_upgrade_creates_the_archive_tables_in_the_one_schema(fresh_db_url):
    db.upgrade(fresh_db_url)
    engine = db.make_engine(fresh_db_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert {"archive_turns", "archive_head", "tracker_events", "accounts"} <= tables
        assert "alembic_version" in tables
        assert not {"alembic_version_archive", "alembic_version_handoff"} & tables
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


def test_upgrade_is_idempotent_and_safe_in_parallel(fresh_db_url):
    errors = []

    def run():
        try:
            db.upgrade(fresh_db_url)
        except Exception as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.upgrade(fresh_db_url)
    assert Archive(fresh_db_url).head() == (0, "0" * 64)


def test_migrations_match_the_models(db_url):
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, parent: (
                        type_ != "table" or name in Base.metadata.tables
                    ),
                },
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_unmigrated_database_gives_a_clear_error(fresh_db_url):
    with pytest.raises(ArchiveUnavailable) as info:
        Archive(fresh_db_url).head()
    if fresh_db_url.startswith("sqlite"):
        # No file: the archive never creates an empty database by itself.
        assert not Path(db.sqlite_path(sa.engine.make_url(fresh_db_url))).exists()
    else:
        assert isinstance(info.value, ArchiveNotInitialised)
        assert "python -m storage upgrade" in str(info.value)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


async def test_database_work_runs_on_the_loop_for_sqlite_and_in_a_thread_for_postgresql(db_url):
    import sys

    engine = db.make_engine(db_url)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # Python's default
    try:
        here = threading.get_ident()
        ran_on = await db.run(engine, threading.get_ident)
        if engine.dialect.name == "sqlite":
            assert ran_on == here
            assert sys.getswitchinterval() == 0.005
        else:
            assert ran_on != here
            # the worker wins the interpreter lock back from the loop sooner
            assert sys.getswitchinterval() == pytest.approx(db.WORKER_SWITCH_INTERVAL)
        with pytest.raises(ZeroDivisionError):
            await db.run(engine, lambda: 1 / 0)
    finally:
        sys.setswitchinterval(interval)
        engine.dispose()


async def test_run_in_worker_always_uses_a_thread_with_a_short_switch_interval():
    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        assert await db.run_in_worker(threading.get_ident) != threading.get_ident()
        assert sys.getswitchinterval() == pytest.approx(db.WORKER_SWITCH_INTERVAL)
        with pytest.raises(ZeroDivisionError):
            await db.run_in_worker(lambda: 1 / 0)
    finally:
        sys.setswitchinterval(interval)


def _close_server_side(pg_databases, url):
    """What a PostgreSQL restart does to our pooled connections: the server ends them."""
    from .conftest import _pg_connect

    conn = _pg_connect(pg_databases.admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (sa.engine.make_url(url).database,),
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def pg_archive(pg_databases):
    """An Archive on a new PostgreSQL database, and that database's URL."""
    url = pg_databases.create("archive_connections")
    db.upgrade(url)
    archive = Archive(url)
    yield archive, url
    archive.close()
    pg_databases.drop(url)


@pytest.mark.postgres
def test_postgresql_connection_closed_while_idle_is_replaced_unseen(pg_archive, pg_databases, monkeypatch):
    archive, url = pg_archive
    archive.append(TurnIn("c", "citizen", "unu"))
    assert _close_server_side(pg_databases, url) >= 1
    monkeypatch.setattr(db, "PG_PING_AFTER_IDLE", 0.0)  # every pooled connection is "idle"
    archive.append(TurnIn("c", "citizen", "doi"))
    assert [t.text for t in archive.conversation("c")] == ["unu", "doi"]


@pytest.mark.postgres
def test_postgresql_connections_closed_in_use_fail_one_request_then_recover(pg_archive, pg_databases):
    archive, url = pg_archive
    archive.append(TurnIn("c", "citizen", "unu"))
    assert _close_server_side(pg_databases, url) >= 1
    # Used a moment ago, so not pinged: the request that finds out is told ...
    with pytest.raises(ArchiveUnavailable):
        archive.append(TurnIn("c", "citizen", "doi"))
    # ... nothing of it was stored, and the next one gets a new connection.
    archive.append(TurnIn("c", "citizen", "doi"))
    assert [t.text for t in archive.conversation("c")] == ["unu", "doi"]
    assert archive.verify().ok
