"""A month of generated conversations (bench/dashboard_data.py) on SQLite and PostgreSQL,
and the raw rows the tests count from — with plain SQL, never with archive/stats.py."""

import datetime as dt
from typing import Any, Dict, Iterator, List
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bench.dashboard_data import generate
from storage import db

LOCAL = ZoneInfo("Europe/Bucharest")
LAST_DAY = dt.date(2026, 11, 30)
DAYS = 60  # spans the end of summer time (2026-10-25)
COUNT = 400


def utc(value: Any) -> dt.datetime:
    """A time as read with plain SQL: a datetime (PostgreSQL) or its text (SQLite)."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def local_day(naive_utc: Any) -> dt.date:
    return utc(naive_utc).replace(tzinfo=dt.timezone.utc).astimezone(LOCAL).date()


def rows(url: str, sql: str, **params: Any) -> List[Any]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def dashboard_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'archive.db'}"
        databases = None
    else:
        databases = request.getfixturevalue("pg_databases")
        url = databases.create("dashboard_test")
    db.upgrade(url)
    generate(url, COUNT, LAST_DAY, days=DAYS, seed=5)
    yield url
    if databases is not None:
        databases.drop(url)


def turns_by_conversation(url: str) -> Dict[str, List[Any]]:
    found: Dict[str, List[Any]] = {}
    for row in rows(url, "SELECT * FROM archive_turns ORDER BY seq"):
        found.setdefault(row.conversation_id, []).append(row)
    return found
