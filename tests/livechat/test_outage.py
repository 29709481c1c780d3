"""The database away: the citizen and the clerk are told, nothing is acknowledged or
lost, and service resumes without a restart when the database is back (issue 12)."""

import asyncio
import os
import uuid
from pathlib import Path

import aiohttp
import pytest

from archive import Archive
from storage import db
from tests.livechat.conftest import add_clerk, open_citizen, running_site

ARCHIVED = {"housekeeping_seconds": 0.2, "turn_sink": "archive.sink.ArchiveTurnSink"}


@pytest.fixture
async def archived_site(tmp_path, schedule_file, monkeypatch):
    """The website channel archiving every turn into an SQLite file of its own."""
    path = tmp_path / "efunctionar.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    async with running_site(ARCHIVED) as site:
        site.db_path = path
        yield site


def _citizen_turns(path: Path, conversation_id: str) -> list:
    with Archive(f"sqlite:///{path}") as archive:
        return [t.text for t in archive.conversation(conversation_id) if t.speaker == "citizen"]


async def test_a_replaced_sqlite_file_is_an_outage_and_loses_no_acknowledged_turn(archived_site):
    """Reproduction: 5 acked messages, the file moved away (its -wal and -shm left), the
    file moved back. Wave 1's handoff engine recreated an empty file within 0.2 s, SQLite
    folded the orphaned WAL into it, and 0 of the 5 acked turns remained."""
    site, path = archived_site, archived_site.db_path
    away = path.with_name("away.db")
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        for n in range(5):
            await citizen.send({"type": "message", "text": f"mesajul {n}", "client_id": f"m{n}"})
            await citizen.next("ack", client_id=f"m{n}")
        os.rename(path, away)
        assert Path(f"{path}-wal").exists()  # what wave 1 folded into a new, empty file
        await asyncio.sleep(0.5)  # a housekeeping round or two
        await citizen.send({"type": "message", "text": "în timpul căderii", "client_id": "gone"})
        refused = await citizen.next("error", client_id="gone")
        assert refused["code"] == "unavailable" and "nu a fost trimis" in refused["message"]
        assert not [f for f in citizen.frames if f.get("type") == "ack" and f.get("client_id") == "gone"]
        assert not path.exists(), "an engine created a new database file at run time"
        # A new citizen is told too, and the socket closes so that the widget retries.
        late = await http.ws_connect(f"{site.ws_base}/webhooks/website/ws")
        await late.send_json({"type": "hello", "conversation_id": None})
        told = await late.receive_json(timeout=10)
        assert told["type"] == "error" and told["code"] == "unavailable"
        assert (await late.receive(timeout=10)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        os.rename(away, path)
        # Back without a restart: the same socket works again.
        await citizen.send({"type": "message", "text": "după revenire", "client_id": "back"})
        await citizen.next("ack", client_id="back", timeout=10)
        await citizen.ws.close()
    assert _citizen_turns(path, cid) == [f"mesajul {n}" for n in range(5)] + ["după revenire"]
    with Archive(f"sqlite:///{path}") as archive:
        assert archive.verify().ok


async def test_console_login_during_an_outage_is_a_clear_503(archived_site):
    site, path = archived_site, archived_site.db_path
    add_clerk(site.service.store, "ana", "Ana Popescu")
    os.rename(path, path.with_name("away.db"))
    try:
        async with aiohttp.ClientSession() as http:
            resp = await http.post(
                f"{site.base}/console/login", json={"username": "ana", "password": "x" * 12}
            )
            assert resp.status == 503
            assert "nu a putut fi salvat" in (await resp.json())["message"]
    finally:
        os.rename(path.with_name("away.db"), path)


def test_no_engine_creates_a_missing_database_file_at_run_time(tmp_path):
    path = tmp_path / "missing.db"
    engine = db.make_engine(f"sqlite:///{path}")
    with pytest.raises(Exception, match="does not exist"):
        with engine.connect():
            pass
    engine.dispose()
    assert not path.exists()


@pytest.mark.postgres
async def test_postgresql_backends_terminated_fail_one_message_then_recover(
    pg_url, schedule_file, monkeypatch
):
    """The PostgreSQL server drops every connection of the Rasa server (a restart, a
    failover): at most the message that meets a dead connection is refused — with the
    error frame, not acknowledged — and the next one goes through; every acked message
    is archived."""
    import sqlalchemy as sa

    monkeypatch.setenv("DATABASE_URL", pg_url)
    # This server's connections only: other tests may use the PostgreSQL server meanwhile.
    name = f"e-functionar-outage-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("EF_DB_APPLICATION_NAME", name)
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        await citizen.send({"type": "message", "text": "înainte", "client_id": "a"})
        await citizen.next("ack", client_id="a")
        admin = sa.create_engine(pg_url.split("?")[0], future=True)
        with admin.connect() as conn:
            killed = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = :name AND pid <> pg_backend_pid()"
            ), {"name": name}).scalar_one()  # fmt: skip
        admin.dispose()
        assert killed >= 1
        acked = ["a"]
        for n in range(3):
            client_id = f"after{n}"
            await citizen.send({"type": "message", "text": f"după {n}", "client_id": client_id})
            reply = await citizen.reply_to(client_id)
            if reply["type"] == "ack":
                acked.append(client_id)
            else:
                assert reply["code"] in ("unavailable", "archive_failed"), reply
        assert len(acked) >= 3, acked  # at most one refused
        await citizen.ws.close()
    from archive import Archive

    with Archive(pg_url) as archive:
        texts = [t.text for t in archive.conversation(cid) if t.speaker == "citizen"]
    expected = ["înainte"] + [f"după {n}" for n in range(3) if f"after{n}" in acked]
    assert texts == expected
