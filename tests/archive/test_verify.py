"""`python -m archive verify`: tampering done with raw SQL is found at the right place."""

import subprocess
import sys

import pytest

from archive import TurnIn
from archive.__main__ import main
from archive.turns import turn_hash

from .conftest import raw_sql

# seq: 1 a/1, 2 b/1, 3 a/2, 4 c/1, 5 b/2, 6 a/3, 7 c/2, 8 b/3, 9 a/4
SCRIPT = [
    ("a", "citizen", "Bună ziua, cum obțin certificatul de urbanism?"),
    ("b", "citizen", "Ești prost"),
    ("a", "bot", "Aveți nevoie de cerere, plan de situație și taxă."),
    ("c", "citizen", "Când se asfaltează strada mea?"),
    ("b", "bot", "Vă rog să păstrați un ton respectuos."),
    ("a", "citizen", "Mulțumesc!"),
    ("c", "bot", "Scrieți la investitii@magurele.ro"),
    ("b", "citizen", "Scuze."),
    ("a", "bot", "Cu plăcere!"),
]


@pytest.fixture
def filled(archive, clock):
    for conversation, speaker, text in SCRIPT:
        clock.advance(seconds=7)
        archive.append(
            TurnIn(
                conversation,
                speaker,
                text,
                intent="insult" if text == "Ești prost" else None,
                confidence=0.91 if text == "Ești prost" else None,
            )
        )
    assert archive.verify().ok
    return archive


def broken(archive):
    report = archive.verify()
    assert not report.ok, "tampering was not detected"
    return report.broken_at


def test_intact_archive_verifies_and_cli_exits_0(filled, db_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "OK: 9 turns verified (seq 1–9)" in out
    assert f"hash {filled.head()[1]}" in out


def test_edited_text(filled, db_url, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    raw_sql(db_url, "UPDATE archive_turns SET text = 'Bună ziua' WHERE seq = 5")
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (5, "b", 2)
    assert "changed" in brk.reason
    assert main(["verify"]) == 1
    assert "BROKEN at conversation 'b' turn 2 (seq 5)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "column, value",
    [
        ("confidence", "0.5"),
        ("flags", "','"),  # the insult flag removed
        ("intent", "'greet'"),
        ("speaker", "'bot'"),
        ("clerk_id", "'ana'"),
        ("at", "at"),  # rewritten below to another time
    ],
)
def test_edited_fields(filled, db_url, column, value):
    if column == "at":
        other = raw_sql(db_url, "SELECT at FROM archive_turns WHERE seq = 1")[0][0][0]
        raw_sql(db_url, "UPDATE archive_turns SET at = :at WHERE seq = 2", at=other)
    else:
        raw_sql(db_url, f"UPDATE archive_turns SET {column} = {value} WHERE seq = 2")
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (2, "b", 1)


def test_edited_and_rehashed_turn_is_named_not_its_successor(filled, db_url):
    row = filled.conversation("b")[1]  # seq 5
    forged = turn_hash(
        row.prev_hash,
        seq=row.seq,
        conversation_id=row.conversation_id,
        turn_no=row.turn_no,
        conv_prev_seq=row.conv_prev_seq,
        at=row.at,
        speaker=row.speaker,
        event=row.event,
        text="Bună ziua",
        clerk_id=None,
        intent=None,
        confidence=None,
        form_ids=[],
        channel=None,
        flags=[],
        source_key=None,
        extra_json=None,
    )
    raw_sql(
        db_url,
        "UPDATE archive_turns SET text = 'Bună ziua', hash = :h WHERE seq = 5",
        h=forged,
    )
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (5, "b", 2)
    assert "re-hashed" in brk.reason


def test_deleted_turn_in_the_middle(filled, db_url):
    raw_sql(db_url, "DELETE FROM archive_turns WHERE seq = 5")
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (5, "b", 2)
    assert "missing" in brk.reason


def test_deleted_first_turn(filled, db_url):
    raw_sql(db_url, "DELETE FROM archive_turns WHERE seq = 1")
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (1, "a", 1)


def test_deleted_last_turn(filled, db_url):
    raw_sql(db_url, "DELETE FROM archive_turns WHERE seq = 9")
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (9, "a", 4)


def test_deleted_last_turn_with_the_head_moved_back(filled, db_url):
    eighth = filled.conversation("b")[2]
    raw_sql(
        db_url,
        "DELETE FROM archive_turns WHERE seq = 9",
        "UPDATE archive_head SET seq = 8, hash = :h",
        h=eighth.hash,
    )
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (9, "a", 4)


def test_deleted_whole_conversation(filled, db_url):
    raw_sql(db_url, "DELETE FROM archive_turns WHERE conversation_id = 'c'")
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (4, "c", 1)


def test_reordered_rows(filled, db_url):
    # Swap the positions of seq 3 (a/2) and seq 6 (a/3).
    raw_sql(
        db_url,
        "UPDATE archive_turns SET seq = 1000 WHERE seq = 3",
        "UPDATE archive_turns SET seq = 3 WHERE seq = 6",
        "UPDATE archive_turns SET seq = 6 WHERE seq = 1000",
    )
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (3, "a", 3)


def test_swapped_texts(filled, db_url):
    raw_sql(
        db_url,
        "UPDATE archive_turns SET text = 'x' WHERE seq = 7",
        "UPDATE archive_turns SET text = (SELECT text FROM archive_turns WHERE seq = 4) WHERE seq = 7",
        "UPDATE archive_turns SET text = 'Scrieți la investitii@magurele.ro' WHERE seq = 4",
    )
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (4, "c", 1)


def test_forged_turn_appended_behind_the_archives_back(filled, db_url):
    raw_sql(
        db_url,
        "INSERT INTO archive_turns (seq, conversation_id, turn_no, at, speaker, event, text,"
        " form_ids, flags, search_text, prev_hash, hash)"
        " SELECT 10, 'a', 5, at, 'clerk', 'message', 'fals', '[]', ',', 'fals', hash, hash"
        " FROM archive_turns WHERE seq = 9",
    )
    brk = broken(filled)
    assert (brk.seq, brk.conversation_id, brk.turn_no) == (10, "a", 5)


def test_new_turns_after_verify_keep_verifying(filled):
    filled.append(TurnIn("d", "citizen", "încă una"))
    assert filled.verify().turns_checked == 10


def test_verify_from_the_command_line(tmp_path, sqlite_template):
    # The real entry point, as cron or an auditor runs it.
    path = tmp_path / "cli.db"
    path.write_bytes(open(sqlite_template, "rb").read())
    url = f"sqlite:///{path}"
    from archive import Archive

    with Archive(url) as archive:
        archive.append(TurnIn("a", "citizen", "Bună"))
        archive.append(TurnIn("a", "bot", "Bună ziua!"))
    raw_sql(url, "UPDATE archive_turns SET text = 'Pa' WHERE seq = 2")
    bad = subprocess.run(
        [sys.executable, "-m", "archive", "verify"],
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "BROKEN at conversation 'a' turn 2 (seq 2)" in bad.stdout
