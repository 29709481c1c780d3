"""archive/sink.py: the archive behind the website channel's turn sink."""

import dataclasses
from typing import Any, Dict, Optional, Sequence

import pytest

from archive import Archive, ArchiveUnavailable, InvalidTurn
from archive.errors import UnknownConversation
from archive.sink import ArchiveTurnSink


@dataclasses.dataclass(frozen=True)
class ChannelTurn:
    """The fields the live chat's Turn carries."""

    conversation_id: str
    speaker: str
    text: str = ""
    event: str = "message"
    clerk_id: Optional[str] = None
    form_ids: Sequence[str] = ()
    source_key: Optional[str] = None
    extra: Dict[str, Any] = dataclasses.field(default_factory=dict)
    channel: str = "website"


async def test_every_kind_of_turn_is_recorded(archive):
    sink = ArchiveTurnSink(archive)
    await sink.record(ChannelTurn("c", "citizen", "Vreau cu un funcționar", source_key="m1"))
    await sink.record(ChannelTurn("c", "system", "Așteptați, vă rog.", event="queued"))
    await sink.record(ChannelTurn("c", "system", event="taken_over", clerk_id="ana"))
    await sink.record(ChannelTurn("c", "clerk", "Bună ziua, sunt Ana.", clerk_id="ana"))
    await sink.record(ChannelTurn("c", "bot", "", extra={"buttons": [{"title": "Da"}]}))
    turns = archive.conversation("c")
    assert [(t.speaker, t.event) for t in turns] == [
        ("citizen", "message"),
        ("system", "queued"),
        ("system", "taken_over"),
        ("clerk", "message"),
        ("bot", "message"),
    ]
    assert turns[0].channel == "website" and turns[0].source_key == "m1"


async def test_a_retried_turn_is_stored_once(archive):
    sink = ArchiveTurnSink(archive)
    first = await sink.record(ChannelTurn("c", "citizen", "alo", source_key="m1"))
    again = await sink.record(ChannelTurn("c", "citizen", "alo", source_key="m1"))
    assert again.duplicate and again.seq == first.seq


def _expected_error():
    try:
        from livechat.archive import ArchiveError
    except ImportError:
        return None
    return ArchiveError


async def test_failures_raise_the_channels_error(tmp_path, sqlite_template):
    path = tmp_path / "a.db"
    path.write_bytes(open(sqlite_template, "rb").read())
    sink = ArchiveTurnSink(url=f"sqlite:///{path}")
    path.unlink()
    expected = _expected_error() or ArchiveUnavailable
    with pytest.raises(expected) as info:
        await sink.record(ChannelTurn("c", "citizen", "alo"))
    assert "does not exist" in str(info.value)
    with pytest.raises(_expected_error() or InvalidTurn):
        await sink.record(ChannelTurn("c", "clerk", "fără clerk_id"))
    sink.archive.close()


def test_built_from_channel_settings_on_the_one_database_setting(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    sink = ArchiveTurnSink.from_settings({})
    assert isinstance(sink.archive, Archive) and str(sink.archive.url) == db_url


def test_satisfies_the_channels_protocol():
    archive_module = pytest.importorskip("livechat.archive", reason="livechat/ not present")
    assert isinstance(ArchiveTurnSink(Archive("sqlite:///var/unused.db")), archive_module.TurnSink)


async def test_turns_written_together_share_a_commit_and_a_bad_one_fails_alone(archive):
    """Thirty conversations' turns at once (as a busy website channel hands them over):
    each write returns its own stored turn once committed, far fewer commits than turns,
    the chain verifies, and the malformed turn among them fails alone."""
    import asyncio

    from sqlalchemy import event

    sink = ArchiveTurnSink(archive)
    await sink.record(ChannelTurn("warm", "citizen", "bună ziua"))  # the engine is open
    commits = []
    event.listen(archive.engine, "commit", lambda conn: commits.append(1))
    turns = [ChannelTurn(f"c{n}", "citizen", f"mesajul {n}", source_key=f"m{n}") for n in range(30)]
    bad = ChannelTurn("c-bad", "nobody", "vorbitor necunoscut")
    outcomes = await asyncio.gather(
        *(sink.record(t) for t in turns[:15] + [bad] + turns[15:]), return_exceptions=True
    )
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failed) == 1 and isinstance(failed[0], _expected_error() or InvalidTurn)
    stored = [o for o in outcomes if not isinstance(o, BaseException)]
    assert [(s.conversation_id, s.text) for s in stored] == [(t.conversation_id, t.text) for t in turns]
    assert len(commits) < len(turns) // 3, commits
    assert [t.text for t in archive.conversation("c7")] == ["mesajul 7"]
    with pytest.raises(UnknownConversation):
        archive.conversation("c-bad")
    assert archive.verify().ok
