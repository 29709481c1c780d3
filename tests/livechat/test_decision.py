"""The handoff decision and its texts, and the CLI."""

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from livechat.decision import (
    CLOSED_HOURS,
    NO_CLERK,
    QUEUE,
    closing_text,
    decide_for,
    unavailable_text,
    wait_estimate_minutes,
)
from livechat.schedule import DEFAULT_SCHEDULE_PATH, load_schedule
from livechat.store import HandoffStore
from storage import db

BUCHAREST = ZoneInfo("Europe/Bucharest")
EMAIL = "registratura@primariamagurele.ro"


@pytest.fixture(scope="module")
def schedule():
    return load_schedule(DEFAULT_SCHEDULE_PATH)


def test_in_hours_with_a_clerk_queues(schedule):
    decision = decide_for(dt.datetime(2025, 12, 2, 10, 0, tzinfo=BUCHAREST), schedule, 1)
    assert decision.outcome == QUEUE and decision.queue and decision.next_opening is None


def test_in_hours_without_a_clerk_keeps_the_bot(schedule):
    decision = decide_for(dt.datetime(2025, 12, 2, 10, 0, tzinfo=BUCHAREST), schedule, 0)
    assert decision.outcome == NO_CLERK
    text = unavailable_text(decision, EMAIL)
    assert "niciun funcționar" in text and EMAIL in text and "registratura" in text


def test_at_closing_minute_a_present_clerk_does_not_matter(schedule):
    # Friday 14:00: closed, even though a clerk is still logged in.
    now = dt.datetime(2025, 11, 28, 14, 0, tzinfo=BUCHAREST)
    decision = decide_for(now, schedule, 3)
    assert decision.outcome == CLOSED_HOURS
    text = unavailable_text(decision, EMAIL)
    # Monday 1 December is Ziua Națională: the next opening is Tuesday.
    assert "marți, 2 decembrie, la ora 08:00" in text
    assert "luni–joi 08:00–16:30, vineri 08:00–14:00" in text
    assert EMAIL in text


def test_closing_text_names_next_opening_and_email():
    now = dt.datetime(2025, 12, 2, 16, 30, tzinfo=BUCHAREST)
    text = closing_text(dt.datetime(2025, 12, 3, 8, 0, tzinfo=BUCHAREST), now, EMAIL)
    assert "mâine (miercuri, 3 decembrie) la ora 08:00" in text and EMAIL in text


def test_on_the_national_day_the_citizen_reads_why_it_is_closed(schedule):
    now = dt.datetime(2025, 12, 1, 10, 0, tzinfo=BUCHAREST)  # Monday, Ziua Națională
    text = unavailable_text(decide_for(now, schedule, 1), EMAIL)
    assert "Astăzi, 1 decembrie, Ziua Națională a României, primăria este închisă." in text
    assert "Acum nu este program" not in text
    assert "mâine (marți, 2 decembrie) la ora 08:00" in text


def test_saint_andrew_is_named_with_its_diacritics(schedule):
    now = dt.datetime(2026, 11, 30, 10, 0, tzinfo=BUCHAREST)
    text = unavailable_text(decide_for(now, schedule, 1), EMAIL)
    assert "Astăzi, 30 noiembrie, Sfântul Apostol Andrei cel Întâi chemat, primăria" in text


def test_on_a_weekend_the_day_is_named_and_after_hours_it_is_not(schedule):
    saturday = dt.datetime(2025, 11, 29, 10, 0, tzinfo=BUCHAREST)
    assert "Astăzi, sâmbătă 29 noiembrie, primăria este închisă." in unavailable_text(
        decide_for(saturday, schedule, 1), EMAIL
    )
    evening = dt.datetime(2025, 12, 2, 18, 0, tzinfo=BUCHAREST)
    text = unavailable_text(decide_for(evening, schedule, 1), EMAIL)
    assert "Acum nu este program." in text and "Astăzi" not in text


def test_closing_text_on_a_day_without_hours_does_not_say_the_program_ended(schedule):
    now = dt.datetime(2025, 12, 1, 9, 0, tzinfo=BUCHAREST)
    text = closing_text(schedule.next_opening(now), now, EMAIL, schedule.closed_day_text(now.date()))
    assert "s-a încheiat" not in text
    assert text.startswith(
        "Ne pare rău, nu vă putem prelua. Astăzi, 1 decembrie, Ziua Națională a României, "
        "primăria este închisă. Puteți reveni mâine (marți, 2 decembrie) la ora 08:00"
    )


@pytest.mark.parametrize(
    "position, clerks, minutes", [(1, 1, 5), (2, 1, 10), (3, 2, 8), (1, 4, 2), (0, 1, 0)]
)
def test_wait_estimate(position, clerks, minutes):
    assert wait_estimate_minutes(position, clerks, 5) == minutes


def test_create_clerk_command(db_url):
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    run = lambda *args, stdin="": subprocess.run(  # noqa: E731
        [sys.executable, "-m", "livechat", *args], input=stdin, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    created = run(
        "create-clerk", "ana", "--name", "Ana Popescu", "--password-stdin", stdin="parola-lunga-1\n"
    )
    assert created.returncode == 0, created.stderr
    assert "created" in created.stdout
    again = run("create-clerk", "ana", "--name", "Alta", "--password-stdin", stdin="parola-lunga-1\n")
    assert again.returncode != 0 and "already exists" in (again.stderr + again.stdout)
    weak = run("create-clerk", "ion", "--name", "Ion", "--password-stdin", stdin="scurt\n")
    assert weak.returncode == 1 and "10 caractere" in weak.stderr
    bad = run("create-clerk", "Ana Maria", "--name", "X", "--password-stdin", stdin="parola-lunga-1\n")
    assert bad.returncode != 0 and "username" in bad.stderr
    listed = run("list-clerks")
    assert listed.stdout.splitlines() == ["ana\tAna Popescu\tindisponibil"]
    engine = db.make_engine(db_url)
    assert HandoffStore(engine).authenticate("ana", "parola-lunga-1") is not None
    engine.dispose()
