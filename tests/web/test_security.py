"""Issue 16: headers on every page, Origin checks on what changes state, JSON limits,
and the 500s the hostile testers found — each a clear 4xx now."""

import json

import aiohttp
import pytest

from tests.livechat.conftest import PASSWORD, add_clerk, login, open_citizen, running_site

EVIL = "http://evil.example"


async def test_every_page_the_site_sends_carries_the_security_headers(site):
    """Wave 1: /demo, the widget script, the PDFs and the 404 pages had no CSP or
    X-Frame-Options."""
    async with aiohttp.ClientSession() as http:
        for path, frame in [
            ("/demo", "DENY"), ("/formulare/petitie.pdf", "SAMEORIGIN"),
            ("/formulare/nu_exista.pdf", "DENY"), ("/console/login", "DENY"),
            ("/formulare/petitie", "DENY"), ("/webhooks/website/", "DENY"),
        ]:  # fmt: skip
            resp = await http.get(f"{site.base}{path}")
            assert resp.headers.get("X-Content-Type-Options") == "nosniff", path
            assert resp.headers.get("X-Frame-Options") == frame, path
            if frame == "DENY":
                assert "frame-ancestors 'none'" in resp.headers.get("Content-Security-Policy", ""), path
            assert "Strict-Transport-Security" not in resp.headers  # not behind HTTPS here
        script = await http.get(f"{site.base}/webhooks/website/static/widget.js")
        assert script.headers["X-Content-Type-Options"] == "nosniff"


async def test_hsts_and_secure_cookies_behind_https(db_url, schedule_file, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    settings = {"housekeeping_seconds": 0.2, "hsts_seconds": 31536000, "cookie_secure": True}
    async with running_site(settings) as site:
        add_clerk(site.service.store, "ana", "Ana Popescu")
        async with aiohttp.ClientSession() as http:
            page = await http.get(f"{site.base}/demo")
            assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
            resp = await http.post(
                f"{site.base}/console/login", json={"username": "ana", "password": PASSWORD}
            )
            assert "Secure" in resp.headers["Set-Cookie"]


async def test_a_page_of_another_site_cannot_change_state_with_a_clerks_cookie(site):
    """Wave 1: a cross-origin text/plain POST to /console/api/presence with the cookie and
    Origin: http://evil.example changed presence; cross-origin logout and login worked."""
    add_clerk(site.service.store, "ana", "Ana Popescu")
    clerk = await login(site.base, "ana")
    async with clerk:
        for path, body in [("/console/api/presence", '{"presence": "activ"}'), ("/console/logout", "")]:
            resp = await clerk.post(
                f"{site.base}{path}", data=body, headers={"Origin": EVIL, "Content-Type": "text/plain"}
            )
            assert resp.status == 403 and (await resp.json())["error"] == "cross_origin", path
        assert site.service.store.clerk_by_username("ana").presence == "indisponibil"
        assert (await clerk.get(f"{site.base}/console/api/me")).status == 200  # still logged in
        cross_login = await clerk.post(
            f"{site.base}/console/login",
            json={"username": "ana", "password": PASSWORD},
            headers={"Origin": EVIL},
        )
        assert cross_login.status == 403
        # The same request from the site's own page goes through.
        own = await clerk.post(
            f"{site.base}/console/api/presence", json={"presence": "activ"}, headers={"Origin": site.base}
        )
        assert own.status == 200
        # The console's socket sends nothing to a foreign page.
        ws = await clerk.ws_connect(f"{site.ws_base}/console/ws", headers={"Origin": EVIL})
        msg = await ws.receive(timeout=10)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await ws.close()


async def test_the_console_api_takes_json_only_within_limits(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    clerk = await login(site.base, "ana")
    async with clerk:
        plain = await clerk.post(
            f"{site.base}/console/api/presence",
            data='{"presence": "activ"}',
            headers={"Content-Type": "text/plain"},
        )
        assert plain.status == 415
        deep = "[" * 1000 + "]" * 1000
        nested = await clerk.post(
            f"{site.base}/console/api/presence", data=deep, headers={"Content-Type": "application/json"}
        )
        assert nested.status == 400 and (await nested.json())["message"]
        huge = await clerk.post(
            f"{site.base}/console/api/presence",
            data=json.dumps({"presence": "activ", "x": "a" * 70_000}),
            headers={"Content-Type": "application/json"},
        )
        assert huge.status == 413
        assert site.service.store.clerk_by_username("ana").presence == "indisponibil"


async def test_a_deeply_nested_citizen_frame_gets_an_error_frame_and_the_socket_stays_open(site):
    async with aiohttp.ClientSession() as http:
        citizen, _ = await open_citizen(http, site.ws_base)
        await citizen.ws.send_str("[" * 1000 + "]" * 1000)
        refused = await citizen.next("error")
        assert refused["code"] == "malformed"
        await citizen.send({"type": "message", "text": "bună ziua", "client_id": "after"})
        await citizen.next("ack", client_id="after")
        await citizen.ws.close()


@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31", "0001-01-01T00:00"])
async def test_an_audit_search_far_in_time_is_a_400_not_a_500(site, archive_login, since):
    http = archive_login
    for path in ("/console/audit/api/search", "/console/audit/api/export/csv"):
        resp = await http.get(f"{site.base}{path}", params={"since": since})
        assert resp.status == 400, (path, await resp.text())
        assert "anii" in (await resp.json())["message"]


@pytest.fixture
async def archive_login(site):
    from argon2 import PasswordHasher

    from archive import Archive
    from archive.users import Users

    with Archive() as archive:
        Users(archive, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)).create(
            "maria.audit", PASSWORD, "auditor", display_name="Maria Ionescu"
        )
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    resp = await http.post(
        f"{site.base}/console/audit/login", json={"username": "maria.audit", "password": PASSWORD}
    )
    assert resp.status == 200, await resp.text()
    yield http
    await http.close()


async def test_a_huge_hint_id_is_a_404_not_a_500(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    clerk = await login(site.base, "ana")
    async with clerk, aiohttp.ClientSession() as http:
        await clerk.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        citizen, welcome = await open_citizen(http, site.ws_base)
        await citizen.send({"type": "message", "text": "x", "payload": "/request_human", "client_id": "h"})
        await citizen.next("state", state="queued")
        cid = welcome["conversation_id"]
        assert (await clerk.post(f"{site.base}/console/api/conversations/{cid}/takeover")).status == 200
        resp = await clerk.post(
            f"{site.base}/console/api/conversations/{cid}/redirect", json={"hint_id": 10**30}
        )
        assert resp.status == 404, await resp.text()
        await citizen.ws.close()
