"""One migration tree: a new database gets every table; a wave-1 database (two alembic
trees, made by the wave-1 code: tests/storage/data/) upgrades in place, rows intact."""

import shutil
from pathlib import Path

import psycopg2
import pytest
import sqlalchemy as sa

from storage import db

DATA = Path(__file__).with_name("data")
WAVE1_TABLES = {
    "archive_turns", "archive_head", "archive_conversations", "archive_purges",
    "tracker_events", "archive_users", "archive_access_log",
    "handoff_clerks", "handoff_sessions", "handoff_conversations", "handoff_messages",
}  # fmt: skip
# Today's: wave 1's two account tables are one (0003), with one table of sessions.
TABLES = WAVE1_TABLES - {"archive_users", "handoff_clerks", "handoff_sessions"} | {"accounts", "sessions"}
OLD_VERSION_TABLES = {"alembic_version_archive", "alembic_version_handoff"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def wave1_url(request, tmp_path) -> str:
    """A copy of the wave-1 database on the backend of this test."""
    if request.param == "sqlite":
        path = tmp_path / "wave1.db"
        shutil.copyfile(DATA / "wave1.db", path)
        return f"sqlite:///{path}"
    databases = request.getfixturevalue("pg_databases")
    url = databases.create("wave1")
    dump = (DATA / "wave1_postgresql.sql").read_text(encoding="utf-8")
    u = sa.engine.make_url(url)
    conn = psycopg2.connect(host=u.host, port=u.port, user=u.username, dbname=u.database)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(dump)
    finally:
        conn.close()
    return url


def _tables(url: str) -> set:
    engine = db.make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _rows(url: str, sql: str) -> list:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_a_new_database_gets_every_table_and_one_version_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    db.upgrade(url)
    db.upgrade(url)  # idempotent
    tables = _tables(url)
    assert TABLES <= tables and not {"archive_users", "handoff_clerks"} & tables
    assert "alembic_version" in tables and not OLD_VERSION_TABLES & tables
    assert _rows(url, "SELECT version_num FROM alembic_version") == [(db.head_revision(),)]


def test_a_wave1_database_upgrades_in_place(wave1_url):
    assert OLD_VERSION_TABLES <= _tables(wave1_url)  # the fixture is what wave 1 left
    # The columns wave 1 had (later revisions may add more).
    queries = {
        "archive_turns": "SELECT * FROM archive_turns ORDER BY seq",
        "handoff_messages": "SELECT id, conversation_id, sender, author, text, created_at"
        " FROM handoff_messages ORDER BY id",
        "handoff_conversations": "SELECT * FROM handoff_conversations ORDER BY id",
    }
    before = {table: _rows(wave1_url, sql) for table, sql in queries.items()}
    clerks = _rows(wave1_url, "SELECT id, username, display_name, password_hash FROM handoff_clerks")
    users = _rows(wave1_url, "SELECT username, display_name, password_hash, role FROM archive_users")
    assert clerks and users
    db.upgrade(wave1_url)
    tables = _tables(wave1_url)
    assert TABLES <= tables and not OLD_VERSION_TABLES & tables
    assert not {"archive_users", "handoff_clerks", "handoff_sessions"} & tables
    assert _rows(wave1_url, "SELECT version_num FROM alembic_version") == [(db.head_revision(),)]
    for table, rows in before.items():
        assert rows and _rows(wave1_url, queries[table]) == rows, table
    # One account table: the clerks keep their ids (conversations point at them), the
    # archive's accounts come along with their roles and password hashes.
    accounts = _rows(wave1_url, "SELECT id, username, display_name, password_hash, role FROM accounts")
    assert [a[:4] for a in accounts if a[4] == "clerk"] == clerks
    assert sorted((a[1], a[2], a[3], a[4]) for a in accounts if a[4] != "clerk") == sorted(users)
    # The archive written by wave 1 still verifies after the upgrade.
    from archive import Archive

    with Archive(wave1_url) as archive:
        assert archive.verify().ok
        assert [t.speaker for t in archive.conversation(before["archive_turns"][0][1])] == [
            "citizen", "bot",
        ]  # fmt: skip


def test_a_database_of_an_unknown_wave1_revision_is_refused(tmp_path):
    path = tmp_path / "wave1.db"
    shutil.copyfile(DATA / "wave1.db", path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version_handoff SET version_num = '0003'"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="'0003'"):
        db.upgrade(url)
    assert OLD_VERSION_TABLES <= _tables(url)  # nothing changed


def test_a_wave1_database_half_way_gets_the_missing_step(tmp_path):
    """A database whose handoff tree stopped at 0001 gets 0002's columns."""
    path = tmp_path / "wave1.db"
    shutil.copyfile(DATA / "wave1.db", path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_handoff_conversations_paused_until"))
        for column in ("paused_until", "flag", "flag_note", "flagged_at"):
            conn.execute(sa.text(f"ALTER TABLE handoff_conversations DROP COLUMN {column}"))
        conn.execute(sa.text("UPDATE alembic_version_handoff SET version_num = '0001'"))
    engine.dispose()
    db.upgrade(url)
    engine = db.make_engine(url)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("handoff_conversations")}
    engine.dispose()
    assert {"paused_until", "flag", "flag_note", "flagged_at"} <= columns


def test_a_clerk_who_is_also_an_archive_auditor_keeps_two_accounts_never_more_rights(tmp_path):
    path = tmp_path / "wave1.db"
    shutil.copyfile(DATA / "wave1.db", path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO archive_users (username, display_name, role, password_hash, active,"
            " created_at, updated_at) SELECT username, display_name, 'auditor', 'other-hash', 1,"
            " created_at, created_at FROM handoff_clerks WHERE username = 'ana.popescu'"
        ))  # fmt: skip
    engine.dispose()
    db.upgrade(url)
    rows = _rows(
        url,
        "SELECT username, role, password_hash FROM accounts WHERE username LIKE 'ana.popescu%' ORDER BY username",
    )
    assert [(r[0], r[1]) for r in rows] == [("ana.popescu", "clerk"), ("ana.popescu-auditor", "auditor")]
    assert rows[1][2] == "other-hash" and rows[0][2] != "other-hash"
