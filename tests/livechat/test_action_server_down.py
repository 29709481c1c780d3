"""The action server down: the citizen is told, and a request for a person still reaches
the queue (issue 16, item 3).

Wave 1: Rasa logs "Bot will continue, but the actions events are lost", the citizen's
message is acknowledged and then nothing comes; "Vorbiți cu un funcționar" goes
unanswered.
"""

import aiohttp
import pytest

from livechat.store import HandoffStore
from storage import db
from tests.livechat.conftest import FakeAgent, add_clerk, login, open_citizen


async def test_a_message_the_bot_leaves_unanswered_gets_a_clear_notice(site, monkeypatch):
    monkeypatch.setattr(FakeAgent, "silent_on", {"ce acte trebuie?"})
    async with aiohttp.ClientSession() as http:
        citizen, _ = await open_citizen(http, site.ws_base)
        await citizen.send({"type": "message", "text": "ce acte trebuie?", "client_id": "q"})
        await citizen.next("ack", client_id="q")
        notice = await citizen.next("message", sender="bot")
        assert "probleme tehnice" in notice["text"] and "@primariamagurele.ro" in notice["text"]
        await citizen.ws.close()


async def test_the_person_button_still_queues_when_the_bot_is_silent(site, monkeypatch):
    monkeypatch.setattr(FakeAgent, "silent_on", {"/request_human"})
    add_clerk(site.service.store, "ana", "Ana Popescu")
    clerk = await login(site.base, "ana")
    async with clerk, aiohttp.ClientSession() as http:
        await clerk.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        citizen, _ = await open_citizen(http, site.ws_base)
        await citizen.send(
            {
                "type": "message",
                "text": "Vorbiți cu un funcționar",
                "payload": "/request_human",
                "client_id": "h",
            }
        )
        await citizen.next("ack", client_id="h")
        queued = await citizen.next("state", state="queued")
        assert queued["queue"]["position"] == 1
        await citizen.ws.close()


@pytest.fixture(scope="module")
def stack_without_actions(tmp_path_factory):
    """The real Rasa server and action server; the action server is then killed."""
    from tests.livechat.stack import Stack, model_missing_reason

    reason = model_missing_reason()
    if reason:
        pytest.skip(reason)
    running = Stack(tmp_path_factory.mktemp("no_actions"))
    running.start()
    actions = running.processes[0]
    actions.kill()
    actions.wait(timeout=10)
    yield running
    running.stop()


@pytest.mark.integration
async def test_with_the_real_servers_the_citizen_is_told_and_reaches_a_clerk(stack_without_actions):
    stack = stack_without_actions
    store = HandoffStore(db.make_engine(stack.db_url))
    add_clerk(store, "ion", "Ion Popescu")
    clerk = await login(stack.base, "ion")
    async with clerk, aiohttp.ClientSession() as http:
        await clerk.post(f"{stack.base}/console/api/presence", json={"presence": "activ"})
        citizen, _ = await open_citizen(http, stack.ws_base)
        # A procedure question: its answer is a custom action, which cannot run.
        await citizen.send(
            {"type": "message", "text": "ce acte trebuie pentru certificatul de urbanism?", "client_id": "q"}
        )
        await citizen.next("ack", client_id="q", timeout=60)
        notice = await citizen.next("message", sender="bot", timeout=60)
        assert "probleme tehnice" in notice["text"]
        # The widget's button still reaches the queue.
        await citizen.send(
            {
                "type": "message",
                "text": "Vorbiți cu un funcționar",
                "payload": "/request_human",
                "client_id": "h",
            }
        )
        await citizen.next("ack", client_id="h", timeout=60)
        await citizen.next("state", state="queued", timeout=60)
        await citizen.ws.close()
    store.engine.dispose()
