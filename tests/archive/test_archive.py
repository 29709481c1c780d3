"""archive/archive.py: appending turns, reading them back, concurrency, failures."""

import os
import threading
from datetime import timedelta

import pytest

from archive import (
    Archive,
    ArchiveUnavailable,
    InvalidTurn,
    TurnIn,
    UnknownConversation,
)
from archive.turns import clean

from .conftest import raw_sql

ROMANIAN = "Bună ziua! Ce acte îmi trebuie pentru certificatul de urbanism? Șase, țară, ĂÎÂȘȚ."


def test_append_commits_before_returning(archive, db_url):
    stored = archive.append(
        TurnIn(
            "conv-1",
            "citizen",
            ROMANIAN,
            intent="ask_procedure",
            confidence=0.87654321,
            form_ids=["certificat_urbanism"],
            channel="website",
            source_key="msg-1",
        )
    )
    # Another connection, another Archive: what append returned is on disk.
    other = Archive(db_url)
    try:
        (read,) = other.conversation("conv-1")
    finally:
        other.close()
    assert read == stored
    assert read.text == ROMANIAN
    assert read.confidence == 0.876543
    assert read.form_ids == ("certificat_urbanism",)
    assert read.at.utcoffset() == timedelta(0)
    assert read.local_time.utcoffset() == timedelta(hours=2)  # EET in March


def test_seq_numbers_the_archive_and_turn_no_each_conversation(archive):
    a1 = archive.append(TurnIn("a", "citizen", "unu"))
    b1 = archive.append(TurnIn("b", "citizen", "doi"))
    a2 = archive.append(TurnIn("a", "bot", "trei"))
    assert [(t.seq, t.turn_no) for t in (a1, b1, a2)] == [(1, 1), (2, 1), (3, 2)]
    assert a2.prev_hash == b1.hash and b1.prev_hash == a1.hash
    assert a2.conv_prev_seq == a1.seq
    assert archive.head() == (3, a2.hash)


def test_clerk_and_system_turns(archive):
    archive.append(TurnIn("c", "citizen", "Vreau să vorbesc cu cineva", intent="request_human"))
    taken = archive.append(TurnIn("c", "system", event="taken_over", clerk_id="ana.pop"))
    said = archive.append(TurnIn("c", "clerk", "Bună ziua, sunt Ana.", clerk_id="ana.pop"))
    left = archive.append(TurnIn("c", "system", event="left_queue"))
    turns = archive.conversation("c")
    assert [t.speaker for t in turns] == ["citizen", "system", "clerk", "system"]
    assert turns[0].flags == ("handoff",)  # from the intent
    assert taken.flags == ("handoff",) and taken.clerk_id == "ana.pop"
    assert said.event == "message" and left.event == "left_queue"


def test_retry_with_the_same_source_key_is_stored_once(archive):
    first = archive.append(TurnIn("c", "citizen", "salut", source_key="m-1"))
    again = archive.append(TurnIn("c", "citizen", "salut", source_key="m-1"))
    assert again.duplicate and not first.duplicate
    assert again.seq == first.seq and again.hash == first.hash
    # the same key in another conversation is another turn
    other = archive.append(TurnIn("d", "citizen", "salut", source_key="m-1"))
    assert not other.duplicate and archive.head()[0] == 2


def test_one_batch_of_known_new_and_repeated_turns(archive):
    """append_many reads what it needs once for the batch; the result is as if turn by turn."""
    known = archive.append(TurnIn("known", "citizen", "prima", source_key="k-1"))
    stored = archive.append_many(
        [
            TurnIn("known", "bot", "răspuns"),
            TurnIn("new", "citizen", "salut", source_key="n-1"),
            TurnIn("known", "citizen", "prima", source_key="k-1"),  # stored before
            TurnIn("new", "citizen", "salut", source_key="n-1"),  # earlier in this batch
            TurnIn("only-repeats", "citizen", "x", source_key="k-1"),
            TurnIn("new", "bot", "Bună ziua!"),
        ]
    )
    assert [(t.conversation_id, t.turn_no, t.duplicate) for t in stored] == [
        ("known", 2, False),
        ("new", 1, False),
        ("known", 1, True),
        ("new", 1, True),
        ("only-repeats", 1, False),
        ("new", 2, False),
    ]
    assert stored[2].seq == known.seq and stored[3].seq == stored[1].seq
    assert [t.text for t in archive.conversation("known")] == ["prima", "răspuns"]
    assert [t.text for t in archive.conversation("new")] == ["salut", "Bună ziua!"]
    assert archive.append(TurnIn("new", "citizen", "încă")).turn_no == 3
    assert archive.append(TurnIn("known", "citizen", "încă")).turn_no == 3
    assert archive.verify().ok


def test_append_many_is_all_or_nothing(archive):
    good = TurnIn("c", "citizen", "bună")
    with pytest.raises(InvalidTurn):
        archive.append_many([good, TurnIn("c", "clerk", "fără clerk_id")])
    assert archive.head()[0] == 0
    stored = archive.append_many([good, TurnIn("c", "bot", "Salut!")])
    assert [t.turn_no for t in stored] == [1, 2]


@pytest.mark.parametrize(
    "turn, message",
    [
        (TurnIn("", "citizen", "x"), "conversation_id"),
        (TurnIn("c\n1", "citizen", "x"), "control characters"),
        (TurnIn("x" * 256, "citizen", "x"), "longer than 255"),
        (TurnIn("_archive", "system", event="closed"), "reserved"),
        (TurnIn("c", "robot", "x"), "speaker"),
        (TurnIn("c", "citizen", "   "), "empty citizen message"),
        (TurnIn("c", "citizen", "a\x00b"), "NUL"),
        (TurnIn("c", "citizen", "x" * 20_001), "limit"),
        (TurnIn("c", "citizen", "x", event="queued"), "event"),
        (TurnIn("c", "system", "x"), "event name"),
        (TurnIn("c", "system", event="DROP TABLE"), "event name"),
        (TurnIn("c", "clerk", "x"), "clerk_id"),
        (TurnIn("c", "clerk", "x", clerk_id="Robert'); --"), "clerk_id"),
        (TurnIn("c", "citizen", "x", confidence=1.5), "between 0 and 1"),
        (TurnIn("c", "citizen", "x", confidence="mult"), "number"),
        (TurnIn("c", "bot", "x", form_ids="certificat_urbanism"), "not a string"),
        (TurnIn("c", "bot", "x", form_ids=["../etc/passwd"]), "form_ids"),
        (TurnIn("c", "bot", "x", flags=["Insult!"]), "flags"),
        (TurnIn("c", "bot", "x", extra={"when": object()}), "JSON"),
        (TurnIn("c", "bot", "x", extra=["not", "a", "mapping"]), "mapping"),
    ],
)
def test_malformed_turns_are_refused(turn, message):
    # Checked before any database work: see the next test for "nothing is stored".
    with pytest.raises(InvalidTurn, match=message):
        clean(turn)


def test_a_malformed_turn_stores_nothing(archive):
    with pytest.raises(InvalidTurn):
        archive.append(TurnIn("c", "clerk", "fără clerk_id"))
    assert archive.head()[0] == 0
    with pytest.raises(UnknownConversation):
        archive.conversation("c")


def test_empty_text_is_allowed_where_something_else_was_shown(archive):
    archive.append(TurnIn("c", "bot", "", extra={"buttons": [{"title": "Da", "payload": "/affirm"}]}))
    archive.append(TurnIn("c", "citizen", "", intent="affirm", confidence=1.0))
    archive.append(TurnIn("c", "system", event="closed"))
    assert archive.head()[0] == 3


def test_unknown_conversation(archive):
    archive.append(TurnIn("known", "citizen", "da"))
    for bad in ("unknown", "' OR 1=1 --", "", None):
        with pytest.raises(UnknownConversation):
            archive.conversation(bad)


def test_times_never_go_back_along_the_chain(archive, clock):
    first = archive.append(TurnIn("c", "citizen", "unu"))
    clock.advance(minutes=-5)  # e.g. NTP stepped the clock back
    second = archive.append(TurnIn("c", "citizen", "doi"))
    assert second.at == first.at
    assert archive.verify().ok


def test_concurrent_writers_keep_one_unbroken_chain(db_url):
    # Separate Archive objects (separate engines) stand for separate processes.
    writers, per_writer = 4, 15
    errors = []

    def write(n: int) -> None:
        archive = Archive(db_url)
        try:
            for i in range(per_writer):
                archive.append(TurnIn(f"conv-{n}", "citizen", f"mesajul {i}"))
        except Exception as e:  # collected and asserted below
            errors.append(e)
        finally:
            archive.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    archive = Archive(db_url)
    try:
        report = archive.verify()
        assert report.ok, report.describe()
        assert report.turns_checked == writers * per_writer
        for n in range(writers):
            turns = archive.conversation(f"conv-{n}")
            assert [t.turn_no for t in turns] == list(range(1, per_writer + 1))
            assert [t.text for t in turns] == [f"mesajul {i}" for i in range(per_writer)]
    finally:
        archive.close()


def test_sqlite_file_moved_away_raises_and_stores_nothing(tmp_path, sqlite_template, clock):
    path = tmp_path / "a.db"
    path.write_bytes(open(sqlite_template, "rb").read())
    archive = Archive(f"sqlite:///{path}", clock=clock)
    archive.append(TurnIn("c", "citizen", "înainte"))
    os.rename(path, tmp_path / "elsewhere.db")
    with pytest.raises(ArchiveUnavailable, match="does not exist"):
        archive.append(TurnIn("c", "citizen", "în timpul căderii"))
    assert not path.exists(), "the archive must not create a new, empty database"
    os.rename(tmp_path / "elsewhere.db", path)
    assert [t.text for t in archive.conversation("c")] == ["înainte"]
    archive.append(TurnIn("c", "citizen", "după"))
    assert archive.verify().ok


@pytest.mark.postgres
def test_postgresql_database_dropped_raises(pg_databases, clock):
    from storage import db

    url = pg_databases.create("archive_gone")
    db.upgrade(url)
    archive = Archive(url, clock=clock)
    archive.append(TurnIn("c", "citizen", "înainte"))
    pg_databases.drop(url)  # terminates the archive's pooled connections too
    with pytest.raises(ArchiveUnavailable):
        archive.append(TurnIn("c", "citizen", "după"))
    archive.close()


def test_sql_metacharacters_are_just_text(archive, db_url):
    nasty = "'); DROP TABLE archive_turns; -- %_\\ \" ` ;"
    archive.append(TurnIn("c'; --", "citizen", nasty))
    assert archive.conversation("c'; --")[0].text == nasty
    assert raw_sql(db_url, "SELECT count(*) FROM archive_turns") == [[(1,)]]
