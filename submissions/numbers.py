"""Registration numbers in the registratură's format: ``N/DD.MM.YYYY``, sequential per year.

The number is taken inside the filing's own write transaction, from the year's row of
``submission_counters``: an upsert that adds one (``INSERT … ON CONFLICT DO UPDATE``)
locks the row until the transaction ends — a row lock on PostgreSQL, the database write
lock (``BEGIN IMMEDIATE``) on SQLite — so concurrent filings wait for each other and get
consecutive numbers. A filing that rolls back rolls the counter back with it: no gaps,
no number used twice.
"""

import datetime as dt
import re
from typing import Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage import db
from submissions.tables import counters

# "123/01.12.2026", also typed "123 / 1.12.2026" or "123/01-12-2026".
_TYPED = re.compile(r"^\s*(\d{1,7})\s*/\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def take_number(conn: Connection, year: int) -> int:
    """The next registration number of ``year``, locked until the transaction ends."""
    upsert = db.upsert(conn, counters).values(year=year, last_number=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[counters.c.year], set_={"last_number": counters.c.last_number + 1}
    )
    conn.execute(upsert)
    return int(conn.execute(sa.select(counters.c.last_number).where(counters.c.year == year)).scalar_one())


def format_number(number: int, day: dt.date) -> str:
    return f"{number}/{day:%d.%m.%Y}"


def parse_number(text: str) -> Optional[Tuple[int, dt.date]]:
    """(number, date) of a typed registration number, or None if it is not one."""
    match = _TYPED.match(text or "")
    if match is None:
        return None
    try:
        day = dt.date(int(match.group(4)), int(match.group(3)), int(match.group(2)))
    except ValueError:
        return None
    return int(match.group(1)), day


def normalise_number(text: str) -> Optional[str]:
    """The canonical form of a typed registration number, or None."""
    parsed = parse_number(text)
    return None if parsed is None else format_number(*parsed)
