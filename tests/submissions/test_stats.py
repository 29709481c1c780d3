"""The dashboard's figure of the filings (submissions/stats.py) on generated data, on SQLite
and PostgreSQL, against a count made here with plain SQL; and the Bucharest day of a
filing near midnight."""

import datetime as dt
from collections import Counter

from archive.stats import Period
from storage import db
from submissions.stats import filings_per_form
from submissions.tables import filings
from tests.archive.dashboard_fixtures import DAYS, LAST_DAY, dashboard_url, local_day, rows  # noqa: F401

PERIOD = Period(LAST_DAY - dt.timedelta(days=DAYS - 1), LAST_DAY)
STATUSES = ["new", "assigned", "waiting_citizen", "resolved", "rejected"]


def figure(url, period, titles=None):
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return filings_per_form(conn, period, titles or {})
    finally:
        engine.dispose()


def test_filings_per_form_and_status_equal_a_count_with_sql(dashboard_url):
    want = Counter(
        (form_id, status)
        for form_id, status, filed_at in rows(
            dashboard_url, "SELECT form_id, status, filed_at FROM submissions"
        )
        if PERIOD.since <= local_day(filed_at) <= PERIOD.until
    )
    assert len({status for _, status in want}) == 5  # every status occurs in the generated month
    table = figure(dashboard_url, PERIOD, {"petitie": "Petiție"})
    assert list(table.columns) == [
        "Formular", "Cod", "Nerepartizate", "În lucru", "Așteaptă un document", "Soluționate", "Respinse", "Total",
    ]  # fmt: skip
    got = {
        (row[1], status): row[2 + i] for row in table.rows for i, status in enumerate(STATUSES) if row[2 + i]
    }
    assert got == dict(want)
    assert all(row[-1] == sum(row[2:7]) for row in table.rows)
    assert [row[-1] for row in table.rows] == sorted((row[-1] for row in table.rows), reverse=True)
    assert ("Petiție", "petitie") in [tuple(row[:2]) for row in table.rows]
    assert table.summary["total"] == sum(want.values())
    assert table.summary["deschise"] == sum(n for (_, s), n in want.items() if s in STATUSES[:3])


def test_a_filing_counts_on_its_bucharest_day(tmp_path):
    url = f"sqlite:///{tmp_path / 'filings.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    utc = dt.timezone.utc
    moments = [
        dt.datetime(2026, 10, 31, 21, 59, 59, tzinfo=utc),
        dt.datetime(2026, 10, 31, 22, 0, tzinfo=utc),
    ]
    with engine.begin() as conn:  # as submissions/filings.py writes them: through the table's types
        for number, at in enumerate(moments, start=1):
            conn.execute(
                filings.insert().values(
                    year=2026, number=number, registration_no=f"{number}/31.10.2026", form_id="petitie",
                    department="registratura", citizen_name="Ion Pop", access_hash="x", status="new",
                    filed_at=at, due_on=dt.date(2026, 12, 1), term_days=30, term_basis="OG 27/2002",
                    updated_at=at,
                )
            )  # fmt: skip
    engine.dispose()
    october = figure(url, Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    november = figure(url, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 1)))
    assert october.summary["total"] == 1 and november.summary["total"] == 1
    assert october.rows[0][:3] == ("petitie", "petitie", 1)
