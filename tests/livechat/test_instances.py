"""Two Rasa instances behind a load balancer: shared database, frames relayed by Redis."""

import uuid

import aiohttp
import pytest

from livechat.hub import Hub, RedisHub
from tests.livechat.conftest import add_clerk, login, open_citizen, running_site

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def two_sites(db_url, schedule_file, monkeypatch):
    import redis.asyncio as redis
    from redis.exceptions import RedisError

    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    finally:
        await client.close()
    monkeypatch.setenv("DATABASE_URL", db_url)
    credentials = {
        "housekeeping_seconds": 0.2,
        "redis_url": REDIS_URL,
        "redis_channel": f"efunctionar:test:{uuid.uuid4().hex}",  # isolated from others
    }
    async with running_site(credentials) as first, running_site(credentials) as second:
        yield first, second


def test_single_instance_hub_by_default():
    from livechat.settings import ChannelSettings

    assert ChannelSettings().redis_url is None
    assert not Hub.distributed and RedisHub.distributed


async def test_citizen_on_one_instance_clerk_on_the_other(two_sites):
    first, second = two_sites
    assert isinstance(first.service.hub, RedisHub)
    add_clerk(first.service.store, "ana", "Ana Popescu")
    ana = await login(second.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        await ana.post(f"{second.base}/console/api/presence", json={"presence": "activ"})
        live_ws = await ana.ws_connect(f"{second.ws_base}/console/ws")
        from tests.livechat.conftest import Citizen

        live = Citizen(live_ws)
        await live.next("snapshot")

        citizen, welcome = await open_citizen(http, first.ws_base)
        cid = welcome["conversation_id"]
        await citizen.send(
            {"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"}
        )
        await citizen.next("state", state="queued")
        # Queued on the first instance; the clerk's console on the second hears of it.
        alert = await live.next("alert")
        assert alert["conversation_id"] == cid
        queue = await live.next("queue")
        assert queue["items"][0]["citizen_online"] is True

        resp = await ana.post(f"{second.base}/console/api/conversations/{cid}/takeover")
        assert resp.status == 200
        assert (await citizen.next("state", state="clerk"))["clerk"] == "Ana Popescu"
        await ana.post(f"{second.base}/console/api/conversations/{cid}/message", json={"text": "Bună ziua!"})
        assert (await citizen.next("message", sender="clerk"))["text"] == "Bună ziua!"
        await citizen.send({"type": "message", "text": "Mulțumesc", "client_id": "m"})
        await citizen.next("ack")
        own = await live.next("message")  # the clerk's own message comes back first
        assert own["message"]["text"] == "Bună ziua!"
        relayed = await live.next("message")
        assert relayed["message"]["text"] == "Mulțumesc"
        assert first.agent.received == ["/request_human"] and second.agent.received == []
        await citizen.ws.close()
        await live_ws.close()
