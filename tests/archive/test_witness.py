"""The chain head witnessed outside the database: a shortened or replaced archive fails
``verify`` even though its own chain still links up (issue 12)."""

import json
import shutil

import pytest

from archive import TurnIn
from archive.__main__ import main

from .conftest import raw_sql

pytestmark = pytest.mark.usefixtures("witness_file")


def _turns(archive, conversation, count):
    for n in range(count):
        archive.append(TurnIn(conversation, "citizen", f"mesajul {n}"))


def test_verify_witnesses_the_head_and_head_prints_it(archive, db_url, witness_file, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    _turns(archive, "c1", 3)
    assert main(["verify"]) == 0
    (line,) = witness_file.read_text().splitlines()
    seq, head_hash = archive.head()
    assert json.loads(line)["seq"] == seq == 3 and json.loads(line)["hash"] == head_hash
    capsys.readouterr()
    assert main(["head"]) == 0
    assert f"seq {seq} hash {head_hash}" in capsys.readouterr().out
    assert len(witness_file.read_text().splitlines()) == 2
    _turns(archive, "c1", 1)
    assert main(["verify"]) == 0  # the archive grew past its witness: fine


def test_a_shortened_archive_fails_verify(archive, db_url, witness_file, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    _turns(archive, "c1", 4)
    assert main(["verify"]) == 0
    # An intruder deletes the last two turns and moves the head back: the chain left
    # still links up by itself.
    (row,) = raw_sql(db_url, "SELECT seq, hash FROM archive_turns WHERE seq = 2")[0]
    raw_sql(
        db_url,
        "DELETE FROM archive_turns WHERE seq > 2",
        "UPDATE archive_head SET seq = :seq, hash = :hash",
        "UPDATE archive_conversations SET last_turn_no = 2, last_seq = 2",
        seq=row[0],
        hash=row[1],
    )
    assert archive.verify().ok  # what wave 1's verify saw: OK
    capsys.readouterr()
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "BEHIND ITS WITNESS" in out and "ends at seq 2" in out


def test_a_replaced_archive_fails_verify(
    archive, db_url, witness_file, monkeypatch, capsys, tmp_path, backend
):
    if backend != "sqlite":
        pytest.skip("the file is swapped; on PostgreSQL the same is a replaced table")
    monkeypatch.setenv("DATABASE_URL", db_url)
    _turns(archive, "c1", 3)
    assert main(["verify"]) == 0
    path = db_url[len("sqlite:///") :]
    other = tmp_path / "other.db"
    shutil.copyfile(path, other)
    archive.close()
    from archive import Archive

    # Another chain of the same length, written from the same empty start.
    raw_sql(f"sqlite:///{other}", "DELETE FROM archive_turns", "DELETE FROM archive_conversations",
            "UPDATE archive_head SET seq = 0, hash = :g", g="0" * 64)  # fmt: skip
    with Archive(f"sqlite:///{other}") as forged:
        for n in range(3):
            forged.append(TurnIn("c1", "citizen", f"altceva {n}"))
        assert forged.verify().ok
    shutil.copyfile(other, path)
    capsys.readouterr()
    assert main(["verify"]) == 1
    assert "the archive was replaced" in capsys.readouterr().out


def test_a_broken_witness_file_is_reported(archive, db_url, witness_file, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    witness_file.write_text("not json\n")
    assert main(["verify"]) == 1
    assert "BROKEN witness file" in capsys.readouterr().out
