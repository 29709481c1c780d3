"""Retention: `purge --older-than DAYS` keeps `verify` passing and records what went."""

import pytest

from archive import ArchiveIntegrityError, InvalidQuery, TurnIn, UnknownConversation
from archive.__main__ import main

from .conftest import raw_sql


def add_tracker_event(db_url, sender, timestamp):
    raw_sql(
        db_url,
        "INSERT INTO tracker_events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, '{}')",
        s=sender,
        t=timestamp,
    )


@pytest.fixture
def aged(archive, clock, db_url):
    """Conversation 'old' 40 days ago, 'mid' 20 days ago, 'new' today."""
    start = clock.now
    clock.advance(days=-40)
    archive.append(TurnIn("old", "citizen", "Bună, vechi"))
    archive.append(TurnIn("old", "bot", "Răspuns vechi"))
    add_tracker_event(db_url, "old", clock.now.timestamp())
    clock.now = start
    clock.advance(days=-20)
    archive.append(TurnIn("mid", "citizen", "Bună, de acum 20 de zile"))
    add_tracker_event(db_url, "mid", clock.now.timestamp())
    clock.now = start
    archive.append(TurnIn("new", "citizen", "Bună, azi"))
    add_tracker_event(db_url, "new", clock.now.timestamp())
    return archive


def test_purge_removes_old_turns_and_verify_still_passes(aged, db_url):
    report = aged.purge(30, by="admin")
    assert report.turns_deleted == 2 and report.tracker_events_deleted == 1
    assert aged.conversation("old") == []  # known, but its turns are gone
    assert [t.text for t in aged.conversation("mid")] == ["Bună, de acum 20 de zile"]
    verified = aged.verify()
    assert verified.ok, verified.describe()
    (purge,) = verified.purges
    assert (purge.purged_by, purge.turns_deleted, purge.through_seq) == ("admin", 2, 2)
    assert "by admin: 2 turns (through seq 2)" in verified.describe()
    remaining = raw_sql(db_url, "SELECT sender_id FROM tracker_events ORDER BY sender_id")
    assert remaining == [[("mid",), ("new",)]]


def test_the_purge_is_itself_chained(aged):
    aged.purge(30, by="admin")
    (record,) = aged.conversation("_archive")
    assert (record.speaker, record.event) == ("system", "purged")
    assert record.extra["turns_deleted"] == 2 and record.extra["purged_by"] == "admin"
    assert "30 zile" in record.text


def test_nothing_to_purge(aged):
    report = aged.purge(365, by="admin")
    assert report.record is None and report.turns_deleted == 0
    assert aged.verify().purges == ()


def test_purges_accumulate_and_the_chain_continues(aged, clock):
    aged.purge(30, by="admin")
    clock.advance(days=15)
    aged.append(TurnIn("mid", "bot", "Răspuns mai nou"))
    second = aged.purge(30, by="cron")
    assert second.turns_deleted == 1  # "mid" turn 1 is now 35 days old
    assert [t.turn_no for t in aged.conversation("mid")] == [2]
    verified = aged.verify()
    assert verified.ok, verified.describe()
    assert [p.purged_by for p in verified.purges] == ["admin", "cron"]


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE archive_purges SET through_seq = through_seq + 1",
        "UPDATE archive_purges SET through_hash = 'f' || substr(through_hash, 2)",
        "UPDATE archive_purges SET turns_deleted = 1",
        "DELETE FROM archive_purges",
        "DELETE FROM archive_turns WHERE conversation_id = '_archive'",
    ],
)
def test_tampering_with_a_purge_is_detected(aged, db_url, tamper):
    aged.purge(30, by="admin")
    raw_sql(db_url, tamper)
    assert not aged.verify().ok


def test_a_fake_purge_cannot_hide_deleted_turns(aged, db_url):
    # Delete the 40-day-old turns and pretend a purge did it, without its record.
    second = aged.conversation("old")[1]
    raw_sql(
        db_url,
        "DELETE FROM archive_turns WHERE seq <= 2",
        "INSERT INTO archive_purges (purged_at, purged_by, older_than_days, cutoff, through_seq,"
        " through_hash, turns_deleted, tracker_events_deleted, record_seq)"
        " VALUES (:at, 'intrus', 30, :at, 2, :h, 2, 0, 3)",
        at=second.at.replace(tzinfo=None),
        h=second.hash,
    )
    report = aged.verify()
    assert not report.ok and "purge checkpoint" in report.broken_at.reason


def test_purge_refuses_to_destroy_a_broken_chain(aged, db_url):
    raw_sql(db_url, "UPDATE archive_turns SET text = 'șters' WHERE seq = 1")
    with pytest.raises(ArchiveIntegrityError, match="seq 1"):
        aged.purge(30, by="admin")
    assert len(raw_sql(db_url, "SELECT seq FROM archive_turns")[0]) == 4  # nothing deleted


@pytest.mark.parametrize("days", [0, -3, 1.5, "30", True, None])
def test_bad_retention_periods(archive, days):
    with pytest.raises(InvalidQuery):
        archive.purge(days, by="admin")


def test_purge_command_line(aged, db_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("ARCHIVE_RETENTION_DAYS", raising=False)
    assert main(["purge"]) == 2
    assert "ARCHIVE_RETENTION_DAYS" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["purge", "--older-than", "treizeci"])
    assert "not a whole number" in capsys.readouterr().err
    monkeypatch.setenv("ARCHIVE_RETENTION_DAYS", "30")
    assert main(["purge", "--by", "cron"]) == 0
    # The command line runs on the real clock: every fixture turn is older than 30 days.
    assert "by cron: 4 turns (through seq 4)" in capsys.readouterr().out
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "Purges:" in out and "by cron" in out


def test_unknown_conversation_after_purge_is_still_unknown(aged):
    aged.purge(30, by="admin")
    with pytest.raises(UnknownConversation):
        aged.conversation("never")


def test_purge_reaches_the_live_chats_transcript_too(aged, db_url, clock):
    """Wave 1: purge deleted archive turns and tracker events but never the transcript
    the widget shows back on every reconnect (handoff_messages)."""
    from datetime import timedelta

    old, recent = clock.now - timedelta(days=40), clock.now - timedelta(days=2)
    naive = lambda moment: moment.replace(tzinfo=None)  # noqa: E731  (stored naive UTC)
    raw_sql(
        db_url,
        "INSERT INTO handoff_conversations (id, state, created_at, updated_at, flag, flag_note)"
        " VALUES ('old', 'bot', :old, :old, 'altul', 'Cetățeanul a dat CNP-ul fratelui')",
        "INSERT INTO handoff_conversations (id, state, created_at, updated_at)"
        " VALUES ('new', 'bot', :recent, :recent)",
        "INSERT INTO handoff_messages (conversation_id, sender, text, created_at)"
        " VALUES ('old', 'citizen', 'CNP-ul meu este 1960101123456', :old)",
        "INSERT INTO handoff_messages (conversation_id, sender, text, created_at)"
        " VALUES ('new', 'citizen', 'Bună, azi', :recent)",
        # What tied the old conversation to the citizen's others goes with its text.
        "INSERT INTO handoff_conversation_links (conversation_id, kind, key, created_at)"
        " VALUES ('old', 'filing', '12/01.10.2026', :old)",
        "INSERT INTO handoff_conversation_links (conversation_id, kind, key, created_at)"
        " VALUES ('new', 'filing', '12/01.10.2026', :recent)",
        old=naive(old),
        recent=naive(recent),
    )
    report = aged.purge(30, by="admin")
    assert report.transcript_messages_deleted == 1
    (remaining,) = raw_sql(db_url, "SELECT conversation_id, text FROM handoff_messages")
    assert remaining == [("new", "Bună, azi")]
    (notes,) = raw_sql(db_url, "SELECT id, flag, flag_note FROM handoff_conversations ORDER BY id")
    assert notes == [("new", None, None), ("old", "altul", None)]
    (links,) = raw_sql(db_url, "SELECT conversation_id FROM handoff_conversation_links")
    assert links == [("new",)]
    (record,) = aged.conversation("_archive")
    assert record.extra["transcript_messages_deleted"] == 1
    assert aged.verify().ok


def test_purge_command_line_deletes_the_pdfs_filled_in_the_chat_before_the_cutoff(
    aged, db_url, capsys, monkeypatch, tmp_path
):
    """A PDF filled in the chat holds the citizen's answers: the purge reaches it even when
    its link would be valid longer than the retention period."""
    import os
    import time

    folder = tmp_path / "filled"
    folder.mkdir()
    old, recent = folder / ("a" * 43 + ".pdf"), folder / ("b" * 43 + ".pdf")
    old.write_bytes(b"%PDF-1.7 vechi")
    recent.write_bytes(b"%PDF-1.7 nou")
    forty_days_ago = time.time() - 40 * 86400
    os.utime(old, (forty_days_ago, forty_days_ago))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("FILLED_FORMS_DIR", str(folder))
    monkeypatch.setenv("FILLED_FORMS_HOURS", "8760")  # a year: only the purge removes it
    assert main(["purge", "--older-than", "30"]) == 0
    assert "Deleted 1 PDFs filled in the chat before the cutoff." in capsys.readouterr().out
    assert not old.exists() and recent.exists()
