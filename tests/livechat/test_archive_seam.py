"""Every turn goes to the archive first; a turn that cannot be archived is not delivered."""

import aiohttp
import pytest

from livechat.archive import TranscriptOnly, load_sink
from tests.livechat.conftest import FailingSink, add_clerk, login, open_citizen, running_site


def test_sink_loading():
    assert isinstance(load_sink(None), TranscriptOnly)
    assert isinstance(load_sink("tests.livechat.conftest.FailingSink"), FailingSink)
    with pytest.raises(ValueError, match="turn_sink: cannot load"):
        load_sink("tests.livechat.nowhere.Sink")
    with pytest.raises(ValueError, match="has no async record"):
        load_sink("livechat.hub.Hub")


@pytest.fixture
async def failing_site(db_url, schedule_file, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    FailingSink.failing = False
    FailingSink.recorded = []
    credentials = {"housekeeping_seconds": 0.2, "turn_sink": "tests.livechat.conftest.FailingSink"}
    async with running_site(credentials) as site:
        yield site
    FailingSink.failing = False


async def test_turns_are_archived_before_delivery(failing_site):
    site = failing_site
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        await citizen.send({"type": "message", "text": "Bună ziua", "client_id": "a"})
        await citizen.next("ack")
        await citizen.next("message", sender="bot")
        kinds = [(t.speaker, t.text) for t in FailingSink.recorded]
        assert kinds == [("citizen", "Bună ziua"), ("bot", "Ecou: Bună ziua")]
        citizen_turn = FailingSink.recorded[0]
        assert citizen_turn.source_key and citizen_turn.conversation_id == welcome["conversation_id"]

        FailingSink.failing = True
        await citizen.send({"type": "message", "text": "nu se poate arhiva", "client_id": "b"})
        error = await citizen.next("error", client_id="b")
        assert error["code"] == "archive_failed" and "nu a fost trimis" in error["message"]
        await citizen.ws.close()
    texts = [m.text for m in site.service.store.transcript(welcome["conversation_id"])]
    assert "nu se poate arhiva" not in texts
    assert site.agent.received == ["Bună ziua"]


async def test_clerk_message_not_archived_is_not_sent(failing_site):
    site = failing_site
    add_clerk(site.service.store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        await citizen.send(
            {"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"}
        )
        await citizen.next("state", state="queued")
        assert (await ana.post(f"{site.base}/console/api/conversations/{cid}/takeover")).status == 200
        await citizen.next("state", state="clerk")
        assert FailingSink.recorded[-1].event == "taken_over"
        assert FailingSink.recorded[-1].clerk_id == "ana"

        FailingSink.failing = True
        before = len(site.service.store.transcript(cid))
        resp = await ana.post(f"{site.base}/console/api/conversations/{cid}/message", json={"text": "Bună!"})
        assert resp.status == 503 and (await resp.json())["error"] == "archive_failed"
        assert len(site.service.store.transcript(cid)) == before
        with pytest.raises(AssertionError):
            await citizen.next("message", sender="clerk", timeout=1)
        await citizen.ws.close()
