"""Registration numbers: N/DD.MM.YYYY, sequential per year, no gaps, safe in parallel."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from storage import db
from submissions import filings as filings_module
from submissions.filings import Submissions
from submissions.numbers import normalise_number, parse_number
from tests.archive.conftest import FakeClock
from tests.submissions.conftest import jpeg

CITIZEN = dict(name="Ana Popescu", email="ana@exemplu.ro")


def _numbers(engine):
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT year, number, registration_no FROM submissions ORDER BY number")
        ).all()


def test_typed_numbers_are_read_as_the_registratura_writes_them():
    assert normalise_number("123/01.12.2026") == "123/01.12.2026"
    assert normalise_number(" 123 / 1.12.2026") == "123/01.12.2026"
    assert normalise_number("123/01-12-2026") == "123/01.12.2026"
    assert parse_number("123/31.02.2026") is None
    assert parse_number("cererea mea") is None


def test_parallel_filings_from_two_engines_get_distinct_consecutive_numbers(db_url, seal, clock):
    engines = [db.make_engine(db_url), db.make_engine(db_url)]
    errors, results = [], []
    lock = threading.Lock()

    def file_one(index: int) -> None:
        subs = Submissions(engines[index % 2], seal=seal, clock=clock)
        try:
            draft, _ = subs.add_document(None, f"a{index}.jpg", jpeg())
            filed = subs.file(draft, "petitie", **CITIZEN)
            with lock:
                results.append(filed.registration_no)
        except Exception as error:  # the test reports every failure below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=file_one, args=(i,)) for i in range(12)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        assert sorted(results, key=lambda n: int(n.split("/")[0])) == [
            f"{n}/02.03.2026" for n in range(1, 13)
        ]
        assert [row.number for row in _numbers(engines[0])] == list(range(1, 13))
    finally:
        for engine in engines:
            engine.dispose()


def test_a_filing_that_fails_gives_its_number_back(subs, engine, monkeypatch):
    draft, _ = subs.add_document(None, "a.jpg", jpeg())

    def broken_seal(*_args):
        raise ValueError("documentul nu poate fi sigilat (test).")

    monkeypatch.setattr(filings_module, "sealed_receipt", broken_seal)
    with pytest.raises(ValueError):
        subs.file(draft, "petitie", **CITIZEN)
    assert _numbers(engine) == []
    monkeypatch.undo()
    assert subs.file(draft, "petitie", **CITIZEN).registration_no == "1/02.03.2026"


def test_numbers_start_again_at_one_in_a_new_year_in_bucharest_time(engine, seal):
    # 31 December 2026 21:59 UTC is 23:59 in Bucharest; 22:00 UTC is already 1 January.
    clock = FakeClock(dt.datetime(2026, 12, 31, 21, 59, tzinfo=dt.timezone.utc))
    subs = Submissions(engine, seal=seal, clock=clock)
    first = subs.file(None, "petitie", message="Prima petiție.", **CITIZEN)
    clock.advance(minutes=1)
    second = subs.file(None, "petitie", message="A doua petiție.", **CITIZEN)
    clock.advance(minutes=1)
    third = subs.file(None, "petitie", message="A treia petiție.", **CITIZEN)
    assert [first.registration_no, second.registration_no, third.registration_no] == [
        "1/31.12.2026", "1/01.01.2027", "2/01.01.2027",
    ]  # fmt: skip
