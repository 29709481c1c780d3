"""Several Rasa instances (issue 18): two real instances on one PostgreSQL database and one
Redis (frames relayed through pub/sub, the lock of livechat/lock_store.py), behind Debian's nginx with
the deployment's own configuration. A citizen on one instance and clerks on the other do a
whole takeover; the same conversation written to both instances at once keeps every turn
once; killing an instance moves the citizen to the other with the history intact."""

import asyncio
from typing import Any, Dict, Iterator, List

import aiohttp
import pytest
from sqlalchemy import text

from archive.archive import Archive
from livechat.store import HandoffStore
from storage import db
from tests.livechat.conftest import Citizen, add_clerk, login, open_citizen
from tests.scaleout.cluster import Cluster, missing_reason

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.fixture(scope="module")
def cluster_store(cluster: Cluster) -> Iterator[HandoffStore]:
    engine = db.make_engine(cluster.db_url)
    yield HandoffStore(engine)
    engine.dispose()


async def ask(citizen: Citizen, text_: str, client_id: str, payload: str = "") -> None:
    frame = {"type": "message", "text": text_, "client_id": client_id}
    if payload:
        frame["payload"] = payload
    await citizen.send(frame)
    await citizen.next("ack", client_id=client_id, timeout=30)


async def test_a_citizen_on_one_instance_and_clerks_on_the_other_do_a_whole_takeover(cluster, cluster_store):
    add_clerk(cluster_store, "ioana.b", "Ioana Barbu")
    add_clerk(cluster_store, "radu.a", "Radu Avram")
    on_b = cluster.direct("b")
    ioana, radu = await login(on_b, "ioana.b"), await login(cluster.direct("a"), "radu.a")
    async with ioana, radu, aiohttp.ClientSession() as http:
        assert (await ioana.post(f"{on_b}/console/api/presence", json={"presence": "activ"})).status == 200
        assert (
            await radu.post(f"{cluster.direct('a')}/console/api/presence", json={"presence": "activ"})
        ).status == 200
        console = Citizen(await ioana.ws_connect(f"{cluster.direct_ws('b')}/console/ws"))
        await console.next("snapshot")

        # The citizen's socket is on instance A; the clerk's console and API on B.
        citizen, welcome = await open_citizen(http, cluster.direct_ws("a"))
        cid = welcome["conversation_id"]
        await ask(citizen, "Vorbiți cu un funcționar", "h", payload="/request_human")
        await citizen.next("state", state="queued", timeout=60)
        queue = await console.next("queue", timeout=20)
        while not any(item["id"] == cid for item in queue["items"]):
            queue = await console.next("queue", timeout=20)

        resp = await ioana.post(f"{on_b}/console/api/conversations/{cid}/takeover")
        assert resp.status == 200, await resp.text()
        assert (await citizen.next("state", state="clerk", timeout=20))["clerk"] == "Ioana Barbu"

        await ask(citizen, "bună ziua, am o întrebare despre taxe", "q1")
        seen = await console.next("message", timeout=20)
        assert seen["message"]["text"] == "bună ziua, am o întrebare despre taxe"
        await ioana.post(f"{on_b}/console/api/conversations/{cid}/message", json={"text": "Vă ascult."})
        reply = await citizen.next("message", sender="clerk", timeout=20)
        assert reply["text"] == "Vă ascult." and reply["name"] == "Ioana Barbu"

        # Transfer to a clerk whose console is on A, then release back to the bot.
        resp = await ioana.post(f"{on_b}/console/api/conversations/{cid}/transfer", json={"to": "radu.a"})
        assert resp.status == 200, await resp.text()
        assert (await citizen.next("state", state="clerk", timeout=20))["clerk"] == "Radu Avram"
        resp = await radu.post(f"{cluster.direct('a')}/console/api/conversations/{cid}/release")
        assert resp.status == 200, await resp.text()
        await citizen.next("state", state="bot", timeout=20)
        await ask(citizen, "care este programul primăriei?", "p")
        answer = await citizen.next("message", sender="bot", timeout=60)
        assert answer["text"].startswith("Programul cu publicul este")
        await citizen.ws.close()
        await console.ws.close()
    turns = Archive(cluster.db_url).conversation(cid)
    assert {t.speaker for t in turns} == {"citizen", "bot", "clerk", "system"}


def _bot_messages(citizen: Citizen) -> List[Dict[str, Any]]:
    return [f for f in citizen.frames if f.get("type") == "message" and f.get("sender") == "bot"]


async def _replies(citizen: Citizen, count: int, timeout: float = 90) -> List[Dict[str, Any]]:
    """The first ``count`` bot messages the socket received, counting those that arrived
    while the test waited for its acknowledgements (``next`` skips them but keeps them)."""
    while len(_bot_messages(citizen)) < count:
        await citizen.next("message", sender="bot", timeout=timeout)
    return _bot_messages(citizen)[:count]


async def test_one_conversation_written_to_both_instances_at_once_keeps_every_turn_once(cluster):
    async with aiohttp.ClientSession() as http:
        first, welcome = await open_citizen(http, cluster.direct_ws("a"))
        cid = welcome["conversation_id"]
        second, _ = await open_citizen(http, cluster.direct_ws("b"), cid)
        sent = []
        for n in range(5):
            for name, citizen in (("a", first), ("b", second)):
                client_id = f"{name}{n}"
                sent.append(client_id)
                await citizen.send({"type": "message", "text": "mulțumesc", "client_id": client_id})
        for citizen, prefix in ((first, "a"), (second, "b")):
            for n in range(5):
                await citizen.next("ack", client_id=f"{prefix}{n}", timeout=60)
        # Every reply reaches both sockets (one conversation): ten thanks, ten answers each.
        await asyncio.gather(_replies(first, 10), _replies(second, 10))
        await first.ws.close()
        await second.ws.close()
    engine = db.make_engine(cluster.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT speaker, source_key FROM archive_turns WHERE conversation_id = :c ORDER BY seq"),
                {"c": cid},
            ).all()
    finally:
        engine.dispose()
    citizen_turns = [r for r in rows if r.speaker == "citizen"]
    assert len(citizen_turns) == 10 and len({r.source_key for r in citizen_turns}) == 10
    assert sum(1 for r in rows if r.speaker == "bot") == 10  # none twice, none lost
    assert Archive(cluster.db_url).verify().ok


async def test_killing_the_citizens_instance_moves_them_to_the_other_with_the_history(cluster):
    async with aiohttp.ClientSession() as http:
        # Through nginx, no sticky sessions: whichever instance takes the socket.
        citizen, welcome = await open_citizen(http, cluster.ws_base)
        cid = welcome["conversation_id"]
        await ask(citizen, "care este programul primăriei?", "p1")
        answer = await citizen.next("message", sender="bot", timeout=60)
        assert answer["text"].startswith("Programul cu publicul este")
        cluster.kill("a")
        await citizen.ws.close()
        again, back = await open_citizen(http, cluster.ws_base, cid)
        assert back["conversation_id"] == cid
        assert [m["text"] for m in back["history"]][:2] == ["care este programul primăriei?", answer["text"]]
        await ask(again, "mulțumesc", "t1")
        assert (await again.next("message", sender="bot", timeout=60))["text"]
        await again.ws.close()
