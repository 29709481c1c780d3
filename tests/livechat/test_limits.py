"""Limits against message floods and password guessing."""

import aiohttp

from livechat.limits import FloodGuard, LoginFailures, RateLimit
from tests.livechat.conftest import PASSWORD, add_clerk, open_citizen


def test_rate_limit_is_a_sliding_window():
    rate = RateLimit(3, 10.0)
    assert [rate.allow(t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert rate.allow(9.9) is False
    assert rate.allow(10.0) is True  # the event at 0 left the window


def test_login_failures_count_only_failures():
    failures = LoginFailures(limit=2, window=60)
    assert not failures.blocked("ana", now=0)
    failures.failed("ana", now=1)
    failures.failed("ana", now=2)
    assert failures.blocked("ana", now=3)
    assert not failures.blocked("ion", now=3)
    assert not failures.blocked("ana", now=61.5)


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
        for _ in range(5):
            resp = await http.post(
                f"{site.base}/console/login", json={"username": "ana", "password": "ghicit-123"}
            )
            assert resp.status == 401
        resp = await http.post(f"{site.base}/console/login", json={"username": "Ana", "password": PASSWORD})
        assert resp.status == 429
        assert (await resp.json())["error"] == "too_many_attempts"
