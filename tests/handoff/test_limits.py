"""Limits against message floods and password guessing."""

import aiohttp

from handoff.limits import LoginFailures, RateLimit
from tests.handoff.conftest import PASSWORD, add_clerk, open_citizen


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


async def test_citizen_flood_is_refused_and_not_stored(site):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        for i in range(11):
            await citizen.send({"type": "message", "text": f"mesaj {i}", "client_id": str(i)})
        error = await citizen.next("error", client_id="10")
        assert error["code"] == "too_fast" and "prea multe mesaje" in error["message"]
        await citizen.ws.close()
    stored = [m.text for m in site.service.store.transcript(welcome["conversation_id"]) if m.sender == "citizen"]
    assert stored == [f"mesaj {i}" for i in range(10)]


async def test_password_guessing_is_throttled(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    async with aiohttp.ClientSession() as http:
        for _ in range(5):
            resp = await http.post(f"{site.base}/console/login", json={"username": "ana", "password": "ghicit-123"})
            assert resp.status == 401
        resp = await http.post(f"{site.base}/console/login", json={"username": "Ana", "password": PASSWORD})
        assert resp.status == 429
        assert (await resp.json())["error"] == "too_many_attempts"
