"""The dashboard's daily pre-aggregate (archive/daily.py) on SQLite and PostgreSQL: counted
in steps it equals the counts made here with plain SQL over the raw turns; a conversation
that goes on moves to its new length and is taken over once; a purge rebuilds; two
refreshes at once count every turn once."""

import threading
from collections import Counter

import sqlalchemy as sa

from archive import daily
from bench.dashboard_data import generate
from storage import db
from tests.archive.dashboard_fixtures import LAST_DAY, local_day, rows


def counts(url, metric):
    """The pre-aggregate of ``metric`` summed per key over every day."""
    found = Counter()
    for key, value in rows(url, "SELECT key, value FROM archive_stats_days WHERE metric = :m", m=metric):
        found[key] += value
    return +found


def raw(url):
    """The same figures counted from the raw rows."""
    started = Counter()
    for (cid,) in rows(url, "SELECT conversation_id FROM archive_conversations"):
        started[""] += 1
    taken = {r[0] for r in rows(url, "SELECT conversation_id FROM archive_turns WHERE event = 'taken_over'")}
    lengths = Counter(
        str(n)
        for (n,) in rows(
            url, "SELECT count(*) FROM archive_turns WHERE speaker = 'citizen' GROUP BY conversation_id"
        )
    )
    fallback = rows(
        url, "SELECT count(*) FROM archive_turns WHERE intent IN ('nlu_fallback', 'out_of_scope')"
    )
    return {
        "conversations": started,
        "taken": Counter({"": len(taken)}),
        "length": lengths,
        "fallback": Counter({"": fallback[0][0]}),
    }


def refresh(url):
    engine = db.make_engine(url)
    try:
        return daily.refresh(engine)
    finally:
        engine.dispose()


def assert_matches_raw(url):
    for metric, want in raw(url).items():
        assert counts(url, metric) == +want, metric


def test_counted_in_steps_it_equals_the_raw_counts(db_url):
    generate(db_url, 120, LAST_DAY, days=20, seed=3)
    first = refresh(db_url)
    assert first.written and first.counted_turns == rows(db_url, "SELECT count(*) FROM archive_turns")[0][0]
    assert_matches_raw(db_url)
    generate(db_url, 80, LAST_DAY, days=20, seed=4, first_number=120)
    second = refresh(db_url)
    total = rows(db_url, "SELECT count(*) FROM archive_turns")[0][0]
    assert second.counted_turns == total - first.counted_turns > 0 and not second.rebuilt
    assert_matches_raw(db_url)
    assert refresh(db_url).counted_turns == 0  # nothing new: nothing read, nothing written
    # Days are the conversations' Bucharest days.
    per_day = Counter()
    for (first_at,) in rows(db_url, "SELECT first_at FROM archive_conversations"):
        per_day[local_day(first_at).isoformat()] += 1
    got = {
        str(d): v
        for d, v in rows(db_url, "SELECT day, value FROM archive_stats_days WHERE metric = 'conversations'")
    }
    assert {d[:10]: v for d, v in got.items()} == dict(per_day)


def test_a_conversation_that_goes_on_changes_length_and_is_taken_over_once(db_url):
    generate(db_url, 30, LAST_DAY, days=5, seed=8)
    refresh(db_url)
    cid = "gen-000003"
    (n_before,) = rows(
        db_url, "SELECT count(*) FROM archive_turns WHERE speaker = 'citizen' AND conversation_id = :c", c=cid
    )[0]
    seq, turn_no, at = rows(
        db_url,
        "SELECT seq, turn_no, at FROM archive_turns WHERE conversation_id = :c ORDER BY seq DESC",
        c=cid,
    )[0]
    engine = db.make_engine(db_url)
    try:
        with engine.begin() as conn:
            head = conn.execute(sa.text("SELECT max(seq) FROM archive_turns")).scalar()
            for i, (speaker, event) in enumerate(
                [("citizen", "message"), ("system", "taken_over"), ("system", "taken_over")], start=1
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO archive_turns (seq, conversation_id, turn_no, at, speaker, event, text, "
                        "form_ids, flags, search_text, prev_hash, hash) VALUES (:seq, :cid, :no, :at, :sp, :ev, "
                        "'mai am o intrebare', '[]', '', '', :h, :h)"
                    ),
                    {
                        "seq": head + i,
                        "cid": cid,
                        "no": turn_no + i,
                        "at": at,
                        "sp": speaker,
                        "ev": event,
                        "h": "0" * 64,
                    },
                )
    finally:
        engine.dispose()
    assert refresh(db_url).counted_turns == 3
    assert_matches_raw(db_url)
    assert counts(db_url, "length")[str(n_before + 1)] >= 1


def test_a_purge_rebuilds_the_counts(db_url):
    generate(db_url, 40, LAST_DAY, days=5, seed=9)
    refresh(db_url)
    engine = db.make_engine(db_url)
    try:
        with engine.begin() as conn:
            gone = "('gen-000001', 'gen-000002', 'gen-000003')"
            conn.execute(sa.text(f"DELETE FROM archive_turns WHERE conversation_id IN {gone}"))
            conn.execute(sa.text(f"DELETE FROM archive_conversations WHERE conversation_id IN {gone}"))
            conn.execute(
                sa.text(
                    "INSERT INTO archive_purges (purged_at, purged_by, older_than_days, cutoff, through_seq,"
                    " through_hash, turns_deleted, tracker_events_deleted, record_seq) VALUES"
                    " (:t, 'test', 30, :t, 0, :h, 0, 0, 0)"
                ),
                {"t": "2026-12-01 10:00:00", "h": "0" * 64},
            )
    finally:
        engine.dispose()
    again = refresh(db_url)
    assert again.rebuilt and again.written
    assert counts(db_url, "conversations")[""] == 37
    assert_matches_raw(db_url)


def test_two_refreshes_at_once_count_every_turn_once(db_url):
    generate(db_url, 100, LAST_DAY, days=10, seed=10)
    results = []
    threads = [threading.Thread(target=lambda: results.append(refresh(db_url))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 2 and sum(r.written for r in results) == 1
    assert_matches_raw(db_url)
