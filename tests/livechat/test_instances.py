"""Two Rasa instances behind a load balancer: shared database, frames relayed by Redis."""

import asyncio
import contextlib
import json
import logging
import uuid
from typing import AsyncIterator

import aiohttp
import pytest

from livechat.hub import Hub, RedisHub
from livechat.limits import FloodGuard
from livechat.shared_limits import SharedAddressPauses, SharedFloodGuard
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
    assert isinstance(first.service.floods, SharedFloodGuard)  # limits shared too
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


@pytest.fixture
async def two_hubs():
    """Two Redis hubs on a channel of their own, as two instances would have."""
    channel = f"efunctionar:test:{uuid.uuid4().hex}"
    first, second = RedisHub(REDIS_URL, channel), RedisHub(REDIS_URL, channel)
    await first.start()
    await second.start()
    try:
        yield first, second
    finally:
        await first.stop()
        await second.stop()


async def test_the_housekeeping_lease_is_held_by_one_instance_and_moves_when_it_stops(two_hubs):
    import asyncio

    first, second = two_hubs
    assert await first.lease("housekeeping", 0.6)
    assert not await second.lease("housekeeping", 0.6)
    assert await first.lease("housekeeping", 0.6)  # renewed by its holder
    assert not await second.lease("housekeeping", 0.6)
    await asyncio.sleep(0.8)  # the holder stopped renewing: the other one takes it
    assert await second.lease("housekeeping", 0.6)
    assert not await first.lease("housekeeping", 0.6)
    assert await first.lease("another", 0.6)  # leases are independent


async def test_with_redis_away_an_instance_does_the_shared_work_itself_and_says_so(caplog):
    hub = RedisHub("redis://127.0.0.1:1/0", f"efunctionar:test:{uuid.uuid4().hex}")
    await hub.start()
    try:
        with caplog.at_level("ERROR"):
            assert await hub.lease("housekeeping", 1.5)
        assert "Redis lease housekeeping unavailable" in caplog.text
    finally:
        await hub.stop()


async def test_an_instance_without_the_lease_only_sends_its_heartbeats(two_sites):
    """The shared part of housekeeping (closing time, grace periods, re-drive) runs on one
    instance; the heartbeats of the sockets connected to each run on each."""
    first, second = two_sites
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, second.ws_base)
        cid = welcome["conversation_id"]
        holder = first.service.hub if await first.service.hub.lease("housekeeping", 5) else second.service.hub
        other = second if holder is first.service.hub else first
        calls = []
        original = other.service.redrive

        async def counted() -> int:
            calls.append(1)
            return await original()

        other.service.redrive = counted
        before = other.service.store.conversation(cid).citizen_seen_at
        await other.service.housekeeping()
        assert calls == []  # not the holder: no shared work
        if other is second:  # the citizen's own instance still records them as present
            assert other.service.store.conversation(cid).citizen_seen_at >= before
        await citizen.ws.close()


async def test_the_flood_limit_holds_across_instances():
    """Before: each instance counted its own, so two instances allowed twice the limit."""
    prefix = f"efunctionar:test:{uuid.uuid4().hex}:limit"
    on_a, on_b = SharedFloodGuard(REDIS_URL, prefix, 3), SharedFloodGuard(REDIS_URL, prefix, 3)
    try:
        now = 1_000_000.0
        verdicts = [
            await on_a.acheck("c1", now),
            await on_b.acheck("c1", now + 1),
            await on_a.acheck("c1", now + 2),
            await on_b.acheck("c1", now + 3),
            await on_a.acheck("c1", now + 4),
        ]
        assert [v.allowed for v in verdicts] == [True, True, True, False, False]
        # The first accepted one leaves the window 60 s after it came: wait 57 s at now + 3.
        assert verdicts[3].retry_after == 57 and verdicts[3].first_refusal
        assert not verdicts[4].first_refusal  # one audit record per flood, not per message
        assert (await on_b.acheck("c2", now + 4)).allowed  # each key its own window
        assert (await on_b.acheck("c1", now + 61)).allowed  # the window slid
    finally:
        await on_a.close()
        await on_b.close()


async def test_a_conversation_and_its_address_are_checked_in_one_round_trip_as_one_after_the_other():
    """The two limits of a citizen message, in one script: the same verdicts as the two
    checks in turn (the address counted only when the conversation's limit allows)."""
    prefix = f"efunctionar:test:{uuid.uuid4().hex}:limit"
    per_conversation = [SharedFloodGuard(REDIS_URL, f"{prefix}:conversation", 2) for _ in "ab"]
    per_address = [SharedFloodGuard(REDIS_URL, f"{prefix}:address", 3) for _ in "ab"]
    local_conversation, local_address = FloodGuard(2), FloodGuard(3)  # the same limits, in order
    sent = [("c1", "a1"), ("c1", "a1"), ("c1", "a1"), ("c2", "a1"), ("c3", "a1"), ("c3", "a2")]
    try:
        for n, (conversation, address) in enumerate(sent):
            now = 1_000_000.0 + n
            shared, guard = await per_conversation[n % 2].acheck_then(
                conversation, per_address[n % 2], address, now
            )
            expected, expected_guard = await local_conversation.acheck_then(
                conversation, local_address, address, now
            )
            assert (shared.allowed, shared.retry_after) == (expected.allowed, expected.retry_after), n
            assert (guard.per_minute, guard.prefix) == (
                expected_guard.per_minute,
                f"{prefix}:{'conversation' if expected_guard is local_conversation else 'address'}",
            ), n
        # a1 was counted for c1's first two and for c2 (not for c1's third, refused by its
        # conversation): three, its limit, so c3 was refused by the address.
        assert not (await per_address[0].acheck("a1", 1_000_010.0)).allowed
    finally:
        for guard in per_conversation + per_address:
            await guard.close()


async def test_with_redis_away_the_limit_is_counted_on_the_instance_and_said(caplog):
    guard = SharedFloodGuard("redis://127.0.0.1:1/0", "efunctionar:test:away", 2)
    try:
        with caplog.at_level("ERROR"):
            allowed = [(await guard.acheck("c", 100.0 + n)).allowed for n in range(3)]
        assert allowed == [True, True, False]
        assert "shared limit efunctionar:test:away unavailable" in caplog.text
    finally:
        await guard.close()


async def test_with_redis_away_both_limits_are_counted_on_the_instance_and_said(caplog):
    conversation = SharedFloodGuard("redis://127.0.0.1:1/0", "efunctionar:test:away:c", 5)
    address = SharedFloodGuard("redis://127.0.0.1:1/0", "efunctionar:test:away:a", 2)
    try:
        with caplog.at_level("ERROR"):
            verdicts = [await conversation.acheck_then(f"c{n}", address, "a", 100.0 + n) for n in range(3)]
        assert [(v.allowed, g is address) for v, g in verdicts] == [(True, True), (True, True), (False, True)]
        assert "shared limit efunctionar:test:away:c unavailable" in caplog.text
    finally:
        await conversation.close()
        await address.close()


async def test_password_guesses_spread_over_instances_are_slowed_as_on_one():
    """Before: each instance had its own throttle, so every instance gave five free guesses."""
    from livechat.shared_limits import SharedLoginThrottle

    prefix = f"efunctionar:test:{uuid.uuid4().hex}:login"
    on_a, on_b = SharedLoginThrottle(REDIS_URL, prefix), SharedLoginThrottle(REDIS_URL, prefix)
    keys = ["console:address:127.0.0.9", "console:pair:ana|127.0.0.9"]
    try:
        for n in range(5):  # five free failures, spread over both instances
            assert await (on_a if n % 2 else on_b).await_wait(keys) == 0
            await (on_a if n % 2 else on_b).record_failure(keys)
        wait = await on_b.await_wait(keys)
        assert 1.5 < wait <= 2.0  # the sixth attempt waits 2 s, on either instance
        assert 1.5 < await on_a.await_wait(keys[:1]) <= 2.0
        assert await on_a.await_wait(["console:address:127.0.0.10"]) == 0  # another client
        await on_a.record_success(keys[1:])
        assert await on_b.await_wait(keys[1:]) == 0  # a good password clears the pair
    finally:
        await on_a.close()
        await on_b.close()


async def test_with_redis_away_the_login_throttle_counts_on_the_instance_and_says_so(caplog):
    from livechat.shared_limits import SharedLoginThrottle

    throttle = SharedLoginThrottle("redis://127.0.0.1:1/0", "efunctionar:test:away-login")
    try:
        with caplog.at_level("ERROR"):
            for _ in range(5):
                await throttle.record_failure(["k"])
            assert await throttle.await_wait(["k"]) > 1.5
        assert "Redis unavailable" in caplog.text
    finally:
        await throttle.close()


async def test_the_sixth_wrong_password_waits_whichever_instance_it_reaches(two_sites):
    first, second = two_sites
    add_clerk(first.service.store, "ana", "Ana Popescu")
    async with aiohttp.ClientSession() as http:
        for n in range(5):
            site = first if n % 2 else second
            async with http.post(
                f"{site.base}/console/login", json={"username": "ana", "password": "gresita-de-tot"}
            ) as resp:
                assert resp.status == 401
        async with http.post(
            f"{first.base}/console/login", json={"username": "ana", "password": "gresita-de-tot"}
        ) as resp:
            assert resp.status == 429
            assert "Prea multe încercări" in (await resp.json())["message"]


async def test_an_insult_pause_follows_the_address_to_the_other_instance():
    """Before: the address's pause was kept by the instance whose bot paused it, so a
    citizen who cleared the browser's storage and landed on the other instance was free."""
    import datetime as dt

    prefix = f"efunctionar:test:{uuid.uuid4().hex}:pause"
    on_a, on_b = SharedAddressPauses(REDIS_URL, prefix), SharedAddressPauses(REDIS_URL, prefix)
    try:
        now = dt.datetime.now(dt.timezone.utc)
        until = now + dt.timedelta(minutes=15)
        on_a.seen("conv-1", "203.0.113.7")
        await on_a.apaused("conv-1", until, "limbaj_jignitor")
        assert await on_b.apause_of("203.0.113.7", now) == (until, "limbaj_jignitor")
        assert await on_b.apause_of("203.0.113.8", now) is None  # another address
        assert await on_b.apause_of("203.0.113.7", until + dt.timedelta(seconds=1)) is None  # over
        ends_soon = now + dt.timedelta(milliseconds=300)
        on_a.seen("conv-2", "198.51.100.2")
        await on_a.apaused("conv-2", ends_soon, None)
        assert await on_b.apause_of("198.51.100.2", now) == (ends_soon, None)
        await asyncio.sleep(0.5)
        assert await on_b._client().exists(f"{prefix}:198.51.100.2") == 0  # Redis let it go
    finally:
        await on_a.close()
        await on_b.close()


async def test_with_redis_away_the_pause_is_kept_on_the_instance_and_said(caplog):
    import datetime as dt

    pauses = SharedAddressPauses("redis://127.0.0.1:1/0", "efunctionar:test:away-pause")
    now = dt.datetime.now(dt.timezone.utc)
    until = now + dt.timedelta(minutes=5)
    pauses.seen("conv-1", "203.0.113.9")
    with caplog.at_level(logging.ERROR, logger="livechat.shared_limits"):
        await pauses.apaused("conv-1", until, None)
        assert await pauses.apause_of("203.0.113.9", now) == (until, None)
    assert "shared pauses" in caplog.text and "kept on this instance" in caplog.text
    await pauses.close()


class _Socket:
    """A citizen's socket: what it was sent, as sent."""

    def __init__(self) -> None:
        self.sent: list = []

    async def send(self, text: str) -> None:
        self.sent.append(text)


async def _received(socket: _Socket, count: int) -> list:
    for _ in range(200):
        if len(socket.sent) >= count:
            break
        await asyncio.sleep(0.01)
    return socket.sent


async def test_a_frame_reaches_the_other_instance_as_this_one_sent_it_and_only_once_here(caplog):
    channel = f"efunctionar:test:{uuid.uuid4().hex}"
    here, there = RedisHub(REDIS_URL, channel), RedisHub(REDIS_URL, channel)
    await here.start()
    await there.start()
    try:
        mine, theirs = _Socket(), _Socket()
        here.add_citizen("c1", mine)
        there.add_citizen("c1", theirs)
        frame = {"type": "message", "text": "Bună ziua!\nCu ce vă pot ajuta? | „ș ț”"}
        await here.to_citizen("c1", frame)
        assert [json.loads(text) for text in await _received(theirs, 1)] == [frame]
        assert theirs.sent == mine.sent  # the same text, encoded once
        await here.to_clerk(7, {"type": "x"})  # nobody's on this instance or the other
        await there.to_citizen("c1", {"type": "typing"})
        await _received(mine, 2)
        await asyncio.sleep(0.1)  # its own frames come back from Redis too: not delivered again
        assert [json.loads(text)["type"] for text in mine.sent] == ["message", "typing"]
        assert [json.loads(text)["type"] for text in theirs.sent] == ["message", "typing"]
        with caplog.at_level(logging.ERROR, logger="livechat.hub"):
            await there._on_message({"data": b"not a relayed frame"})
        assert "malformed relay message" in caplog.text
    finally:
        await here.stop()
        await there.stop()


class _SlowRedis:
    """A TCP relay to the real Redis that holds what a client sends for ``delay`` seconds
    (a Redis server that answers slowly), and counts the client's writes."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.writes = 0
        self._server: "asyncio.AbstractServer | None" = None

    async def __aenter__(self) -> "_SlowRedis":
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.url = f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 6379)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, slow: bool) -> None:
            try:
                while data := await source.read(65536):
                    if slow:
                        self.writes += 1
                        await asyncio.sleep(self.delay)
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))


@contextlib.asynccontextmanager
async def _hubs_through_slow_redis() -> AsyncIterator["tuple[_SlowRedis, RedisHub, RedisHub]"]:
    """Two instances' hubs on a channel of their own: the first reaches Redis through a
    :class:`_SlowRedis` (returned first, not slowed yet), the second directly."""
    channel = f"efunctionar:test:{uuid.uuid4().hex}"
    async with _SlowRedis() as relay:
        here, there = RedisHub(relay.url, channel), RedisHub(REDIS_URL, channel)
        await here.start()
        await there.start()
        try:
            yield relay, here, there
        finally:
            await here.stop()  # stopping twice is harmless
            await there.stop()


async def test_a_slow_redis_holds_up_no_sender_and_the_frames_reach_the_other_instance_in_order():
    """The relay leaves through an outbox: the instance's own sockets have the frame at once,
    the other instance has every frame, in order, once Redis answers — sent together in a
    pipeline rather than one round trip each."""
    async with _hubs_through_slow_redis() as (relay, here, there):
        mine, theirs = _Socket(), _Socket()
        here.add_citizen("c1", mine)
        there.add_citizen("c1", theirs)
        relay.delay, relay.writes = 0.3, 0
        started = asyncio.get_running_loop().time()
        for n in range(200):
            await here.to_citizen("c1", {"type": "message", "n": n})
        assert asyncio.get_running_loop().time() - started < 0.25  # not 200 round trips of 0.3 s
        assert [json.loads(text)["n"] for text in mine.sent] == list(range(200))
        for _ in range(300):
            if len(theirs.sent) >= 200:
                break
            await asyncio.sleep(0.02)
        assert [json.loads(text)["n"] for text in theirs.sent] == list(range(200))
        assert relay.writes <= 3  # a pipeline or two, not a write per frame


async def test_a_stopping_instance_relays_the_frames_still_in_its_outbox():
    async with _hubs_through_slow_redis() as (relay, here, there):
        theirs = _Socket()
        there.add_citizen("c1", theirs)
        relay.delay = 0.3
        await here.to_citizen("c1", {"type": "message", "text": "ultimul"})
        await here.stop()  # before Redis has it
        assert [json.loads(text)["text"] for text in await _received(theirs, 1)] == ["ultimul"]
