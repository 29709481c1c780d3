"""The admin dashboard's figures (archive/stats.py) on generated data, on SQLite and
PostgreSQL; every expected value is counted here from the raw rows."""

import datetime as dt
import json
import math
import statistics
from collections import Counter

import pytest

from archive import daily, stats
from archive.errors import InvalidQuery
from storage import db
from tests.archive.dashboard_fixtures import (
    DAYS,
    LAST_DAY,
    dashboard_url,  # noqa: F401
    local_day,
    rows,
    turns_by_conversation,
    utc,
)

PERIOD = stats.Period(LAST_DAY - dt.timedelta(days=DAYS - 1), LAST_DAY)


def run(url, query, *args):
    engine = db.make_engine(url)
    try:
        daily.refresh(engine)
        with engine.connect() as conn:
            return query(conn, PERIOD, *args)
    finally:
        engine.dispose()


def test_conversations_per_local_day_bot_only_and_with_a_clerk(dashboard_url):
    taken = {
        r.conversation_id
        for r in rows(dashboard_url, "SELECT conversation_id FROM archive_turns WHERE event = 'taken_over'")
    }
    expected_bot, expected_clerk = Counter(), Counter()
    for cid, first_at in rows(dashboard_url, "SELECT conversation_id, first_at FROM archive_conversations"):
        (expected_clerk if cid in taken else expected_bot)[local_day(first_at).isoformat()] += 1
    table = run(dashboard_url, stats.conversations_per_day)
    assert len(table.rows) == DAYS and table.rows[0][0] == PERIOD.since.isoformat()
    assert {r[0]: r[1] for r in table.rows if r[1]} == dict(expected_bot)
    assert {r[0]: r[2] for r in table.rows if r[2]} == dict(expected_clerk)
    assert table.summary["total"] == 400 and table.summary["cu_functionar"] == len(taken) > 0


def test_the_days_are_bucharest_days_across_the_change_of_time(tmp_path):
    url = f"sqlite:///{tmp_path / 'dst.db'}"
    db.upgrade(url)
    moments = {
        "summer-late": dt.datetime(2026, 10, 24, 20, 59),  # 23:59 EEST on the 24th
        "summer-midnight": dt.datetime(2026, 10, 24, 21, 0),  # 00:00 EEST on the 25th
        "winter-late": dt.datetime(2026, 10, 25, 21, 59),  # 23:59 EET on the 25th
        "winter-midnight": dt.datetime(2026, 10, 25, 22, 0),  # 00:00 EET on the 26th
    }
    engine = db.make_engine(url)
    with engine.begin() as conn:
        for number, (cid, at) in enumerate(moments.items(), start=1):
            conn.exec_driver_sql(
                "INSERT INTO archive_conversations (conversation_id, channel, first_at, last_at, first_seq,"
                " last_turn_no, last_seq) VALUES (?, 'website', ?, ?, ?, 1, ?)",
                (cid, at, at, number, number),
            )
    engine.dispose()
    table = run_on(
        url, stats.conversations_per_day, stats.Period(dt.date(2026, 10, 24), dt.date(2026, 10, 26))
    )
    assert [(r[0], r[3]) for r in table.rows] == [("2026-10-24", 1), ("2026-10-25", 2), ("2026-10-26", 1)]


def run_on(url, query, period):
    engine = db.make_engine(url)
    try:
        daily.refresh(engine)
        with engine.connect() as conn:
            return query(conn, period)
    finally:
        engine.dispose()


def test_requests_for_a_person_by_outcome(dashboard_url):
    queued = rows(dashboard_url, "SELECT count(*) FROM archive_turns WHERE event = 'queued'")[0][0]
    reasons = Counter(
        json.loads(extra)["reason"]
        for (extra,) in rows(
            dashboard_url, "SELECT extra FROM archive_turns WHERE event = 'handoff_unavailable'"
        )
    )
    table = dict(run(dashboard_url, stats.handoff_requests).rows)
    assert table["Trecute în coadă"] == queued > 0
    assert table["În afara programului"] == reasons["closed"] > 0
    assert table["Niciun funcționar activ"] == reasons["no_clerk"] > 0


def test_queue_wait_mean_median_and_p90(dashboard_url):
    waits, left = [], 0
    for turns in turns_by_conversation(dashboard_url).values():
        queued_at = None
        for turn in turns:
            if turn.event == "queued":
                queued_at = turn.at
            elif turn.event == "taken_over" and queued_at is not None:
                waits.append((utc(turn.at) - utc(queued_at)).total_seconds() / 60)
                queued_at = None
            elif turn.event == "left_queue" and queued_at is not None:
                left += 1
                queued_at = None
    ordered = sorted(waits)
    summary = run(dashboard_url, stats.queue_wait).summary
    assert summary["preluate"] == len(waits) > 10 and summary["plecate_din_coada"] == left
    assert summary["medie_minute"] == round(statistics.mean(waits), 1)
    assert summary["mediana_minute"] == round(ordered[math.ceil(len(ordered) / 2) - 1], 1)
    assert summary["p90_minute"] == round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)


def test_conversation_length_in_citizen_messages(dashboard_url):
    sizes = Counter(
        sum(1 for t in turns if t.speaker == "citizen")
        for turns in turns_by_conversation(dashboard_url).values()
    )
    table = dict(run(dashboard_url, stats.conversation_length).rows)
    assert table["1"] == sizes[1] and table["2"] == sizes[2]
    assert table["3–5"] == sizes[3] + sizes[4] + sizes[5]
    assert table["peste 10"] == sum(c for n, c in sizes.items() if n > 10)


def test_fallback_rate_per_day(dashboard_url):
    classified, fell = Counter(), Counter()
    for at, intent in rows(dashboard_url, "SELECT at, intent FROM archive_turns WHERE speaker = 'citizen'"):
        day = local_day(at).isoformat()
        classified[day] += 1
        fell[day] += intent in ("nlu_fallback", "out_of_scope")
    table = run(dashboard_url, stats.fallback_rate)
    for day, total, fallback, rate in table.rows:
        assert (total, fallback) == (classified[day], fell[day])
        assert rate == (round(100 * fell[day] / classified[day], 1) if classified[day] else None)
    assert table.summary["neintelese"] == sum(fell.values()) > 0


def test_redirects_per_department_forms_and_ratings(dashboard_url):
    departments = Counter(
        json.loads(extra)["redirect"]["department"]
        for (extra,) in rows(
            dashboard_url, "SELECT extra FROM archive_turns WHERE speaker = 'bot' AND extra IS NOT NULL"
        )
        if "redirect" in json.loads(extra)
    )
    assert dict(run(dashboard_url, stats.redirects).rows) == dict(departments)

    forms = Counter()
    for (form_ids,) in rows(dashboard_url, "SELECT form_ids FROM archive_turns WHERE speaker = 'citizen'"):
        forms.update(json.loads(form_ids))
    table = run(dashboard_url, stats.forms_asked, {"petitie": "Petiție"})
    assert {r[1]: r[2] for r in table.rows} == dict(forms)
    assert [r[2] for r in table.rows] == sorted((r[2] for r in table.rows), reverse=True)
    assert ("Petiție", "petitie", forms["petitie"]) in [tuple(r) for r in table.rows]

    scores = {}
    for clerk_id, extra in rows(
        dashboard_url, "SELECT clerk_id, extra FROM archive_turns WHERE event = 'rating'"
    ):
        scores.setdefault(clerk_id, []).append(json.loads(extra)["score"])
    table = run(dashboard_url, stats.ratings, {"ana.popescu": "Ana Popescu"})
    by_who = {r[1] or None: r for r in table.rows}
    assert set(by_who) == set(scores)
    for who, values in scores.items():
        row = by_who[who]
        assert row[2] == len(values) and row[3] == round(sum(values) / len(values), 2)
        assert list(row[4:]) == [values.count(s) for s in range(1, 6)]
    assert by_who[None][0] == "Asistentul virtual" and by_who["ana.popescu"][0] == "Ana Popescu"

    low = [v for values in scores.values() for v in values if v <= 2]
    table = run(dashboard_url, stats.low_ratings, {})
    assert table.summary["total"] == len(low) > 0 and all(r[2] <= 2 for r in table.rows)


@pytest.mark.parametrize(
    "since, until, message",
    [
        ("2026-13-01", "2026-12-01", "AAAA-LL-ZZ"),
        ("1999-01-01", "2026-12-01", "între anii 2000 și 2999"),
        ("2026-12-01", "2026-11-01", "înaintea"),
        ("2020-01-01", "2026-12-01", "cel mult"),
        (None, "2026-12-01", "De la"),
    ],
)
def test_a_bad_period_is_refused_in_romanian(since, until, message):
    with pytest.raises(InvalidQuery) as refused:
        stats.Period.parse(since, until)
    assert message in str(refused.value)
