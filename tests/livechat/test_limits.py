"""Limits against message floods and password guessing."""

import aiohttp

from livechat.limits import FloodGuard, LoginThrottle, RateLimit
from tests.livechat.conftest import PASSWORD, add_clerk, open_citizen


def test_rate_limit_is_a_sliding_window():
    rate = RateLimit(3, 10.0)
    assert [rate.allow(t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert rate.allow(9.9) is False
    assert rate.allow(10.0) is True  # the event at 0 left the window


def test_login_delays_grow_after_the_free_failures_and_are_forgotten():
    throttle = LoginThrottle()
    free = LoginThrottle.FREE_FAILURES
    for n in range(free):
        assert throttle.wait(["ana"], now=n) == 0
        throttle.failed(["ana"], now=n)
    last = free - 1
    assert throttle.wait(["ana"], now=last) == LoginThrottle.BASE_DELAY
    throttle.failed(["ana"], now=last + 2)  # one more after waiting: the delay doubles
    assert throttle.wait(["ana"], now=last + 2) == 2 * LoginThrottle.BASE_DELAY
    assert throttle.wait(["ion"], now=last + 2) == 0
    assert throttle.wait(["ana"], now=last + 2 + LoginThrottle.FORGET_AFTER) == 0


def test_a_blocked_entry_is_never_forgotten_to_make_room():
    """Wave 1: 6 wrong passwords gave 429, then 10,050 POSTs with distinct usernames
    emptied the table, and the victim's next wrong password got 401 again."""
    throttle = LoginThrottle(max_entries=100)
    for n in range(LoginThrottle.FREE_FAILURES + 1):
        throttle.failed(["victim"], now=n)
    blocked_until = throttle.wait(["victim"], now=6)
    assert blocked_until > 0
    for n in range(10_050):
        throttle.failed(["address:sprayer", f"spray{n}"], now=6)
    assert len(throttle) <= 101
    assert throttle.wait(["victim"], now=6) == blocked_until
    # The sprayer itself waits, by its address.
    assert throttle.wait(["address:sprayer"], now=6) == LoginThrottle.MAX_DELAY


def test_entries_whose_wait_is_over_make_room_oldest_failure_first():
    throttle = LoginThrottle(max_entries=3)
    throttle.failed(["a"], now=0)
    throttle.failed(["b"], now=1)
    throttle.failed(["c"], now=2)
    throttle.failed(["a"], now=3)  # a is now the most recent
    throttle.failed(["d"], now=4)  # b (oldest last failure, no wait) makes room
    assert throttle.wait(["b"], now=4) == 0 and len(throttle) == 3
    throttle.failed(["b"], now=5)  # c goes now
    assert set(throttle._entries) == {"a", "d", "b"}  # noqa: SLF001


def test_rate_limit_says_how_long_to_wait():
    rate = RateLimit(2, 60.0)
    assert rate.retry_after(0) == 0
    rate.allow(0)
    rate.allow(10)
    assert rate.retry_after(30) == 30  # the message at 0 leaves the window at 60
    assert rate.retry_after(59) == 1
    assert rate.retry_after(60) == 0


def test_flood_guard_counts_per_conversation_and_reports_each_flood_once():
    guard = FloodGuard(per_minute=2)
    assert guard.check("a", 0).allowed and guard.check("a", 1).allowed
    refused = guard.check("a", 2)
    assert not refused.allowed and refused.first_refusal and refused.retry_after == 58
    again = guard.check("a", 3)
    assert not again.allowed and not again.first_refusal  # the same flood
    assert guard.check("b", 3).allowed  # another conversation
    assert guard.check("a", 60).allowed  # the message at 0 left the window: served again
    later = guard.check("a", 60.5)
    assert not later.allowed and later.first_refusal and later.retry_after == 1  # a new flood
    assert guard.check("a", 61).allowed  # refused messages did not count


async def test_citizen_flood_is_refused_and_not_stored(site):
    """The default limit (20 a minute) through the real websocket."""
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        for i in range(21):
            await citizen.send({"type": "message", "text": f"mesaj {i}", "client_id": str(i)})
        error = await citizen.next("error", client_id="20")
        assert error["code"] == "too_fast" and error["message"].startswith("Vă rugăm să așteptați")
        assert "mai mult de 20 de mesaje într-un minut" in error["message"]
        assert 1 <= error["retry_after"] <= 60
        await citizen.ws.close()
    stored = [
        m.text for m in site.service.store.transcript(welcome["conversation_id"]) if m.sender == "citizen"
    ]
    assert stored == [f"mesaj {i}" for i in range(20)]


async def test_password_guessing_is_throttled(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    async with aiohttp.ClientSession() as http:
        for _ in range(LoginThrottle.FREE_FAILURES):
            resp = await http.post(
                f"{site.base}/console/login", json={"username": "ana", "password": "ghicit-123"}
            )
            assert resp.status == 401
        resp = await http.post(f"{site.base}/console/login", json={"username": "Ana", "password": PASSWORD})
        assert resp.status == 429
        assert (await resp.json())["error"] == "too_many_attempts"
        assert int(resp.headers["Retry-After"]) >= 1


async def test_a_stranger_guessing_cannot_lock_the_clerk_out(site):
    """Wave 1: anyone could lock a clerk out for 5 minutes by guessing wrong on purpose."""
    add_clerk(site.service.store, "ana", "Ana Popescu")
    stranger = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=stranger) as http:
        statuses = []
        for _ in range(LoginThrottle.FREE_FAILURES + 3):
            resp = await http.post(
                f"{site.base}/console/login", json={"username": "ana", "password": "ghicit-123"}
            )
            statuses.append(resp.status)
        assert statuses[: LoginThrottle.FREE_FAILURES] == [401] * LoginThrottle.FREE_FAILURES
        assert set(statuses[LoginThrottle.FREE_FAILURES :]) == {429}
    # Ana, from her own address, gets in (slowed by at most a couple of seconds).
    async with aiohttp.ClientSession() as http:
        resp = await http.post(f"{site.base}/console/login", json={"username": "ana", "password": PASSWORD})
        assert resp.status == 200


async def test_one_client_address_is_limited_across_its_conversations(schedule_file, tmp_path, monkeypatch):
    """Wave 1 counted per conversation only: one client opened 50 conversations and got
    1,000 of 1,000 messages accepted and archived in 9.6 s."""
    from tests.livechat.conftest import running_site

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'limits.db'}")
    limits = {"housekeeping_seconds": 0.2, "address_messages_per_minute": 5,
              "address_conversations_per_hour": 3}  # fmt: skip
    async with running_site(limits) as site, aiohttp.ClientSession() as http:
        citizens = [await open_citizen(http, site.ws_base) for _ in range(3)]
        # A fourth new conversation from the same address is refused, saying why.
        ws = await http.ws_connect(f"{site.ws_base}/webhooks/website/ws")
        await ws.send_json({"type": "hello", "conversation_id": None})
        refused = await ws.receive_json(timeout=10)
        assert refused["type"] == "error" and refused["code"] == "too_many_conversations"
        # An open conversation can still be resumed.
        again, _ = await open_citizen(http, site.ws_base, citizens[0][1]["conversation_id"])
        await again.ws.close()
        accepted = refused_messages = 0
        for n in range(9):
            citizen = citizens[n % 3][0]
            await citizen.send({"type": "message", "text": f"mesaj {n}", "client_id": f"m{n}"})
            frame = await citizen.reply_to(f"m{n}")
            if frame["type"] == "ack":
                accepted += 1
            else:
                assert frame["code"] == "too_fast"
                refused_messages += 1
        assert (accepted, refused_messages) == (5, 4)
        stored = sum(
            len([m for m in site.service.store.transcript(w["conversation_id"]) if m.sender == "citizen"])
            for _, w in citizens
        )
        assert stored == 5
        for citizen, _ in citizens:
            await citizen.ws.close()
