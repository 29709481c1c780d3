"""The clerk console and the handoff flow against a real Sanic server (bot stand-in)."""

import asyncio
import datetime as dt

import aiohttp

from livechat.tables import sessions
from tests.livechat.conftest import (
    PASSWORD,
    Citizen,
    add_clerk,
    closed_now_schedule,
    login,
    open_citizen,
    set_schedule,
)
from tests.web.pages import form_token


async def console_socket(http: aiohttp.ClientSession, site) -> Citizen:
    """The console's live-update socket, read with the same helper as a citizen's."""
    ws = await http.ws_connect(f"{site.ws_base}/console/ws")
    socket = Citizen(ws)
    await socket.next("snapshot")
    return socket


async def queued_citizen(http: aiohttp.ClientSession, site) -> "tuple[Citizen, str]":
    citizen, welcome = await open_citizen(http, site.ws_base)
    await citizen.send({"type": "message", "text": "Vreau certificat de urbanism", "client_id": "q1"})
    await citizen.next("message", sender="bot")
    await citizen.send({"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"})
    state = await citizen.next("state", state="queued")
    assert state["queue"]["position"] >= 1
    return citizen, welcome["conversation_id"]


async def test_every_console_route_requires_login(site):
    cid = "0" * 32
    async with aiohttp.ClientSession() as http:
        page = await http.get(f"{site.base}/console/", allow_redirects=False)
        assert page.status == 302 and page.headers["Location"] == "/console/login"
        assert (await http.get(f"{site.base}/console/static/console.js")).status == 401
        for method, path in [
            ("GET", "/console/api/me"), ("GET", "/console/api/queue"), ("GET", "/console/api/forms"),
            ("POST", "/console/api/presence"), ("GET", f"/console/api/conversations/{cid}"),
            ("POST", f"/console/api/conversations/{cid}/takeover"),
            ("POST", f"/console/api/conversations/{cid}/message"),
        ]:  # fmt: skip
            resp = await http.request(method, f"{site.base}{path}", json={})
            assert resp.status == 401, path
            assert (await resp.json())["error"] == "login_required"
        ws = await http.ws_connect(f"{site.ws_base}/console/ws")
        assert (await ws.receive_json())["code"] == "login_required"
        closing = await ws.receive()
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4401
        login_page = await http.get(f"{site.base}/console/login")
        assert login_page.status == 200 and "Consola Relații cu Publicul" in await login_page.text()


async def test_login_wrong_password_and_cookie_flags(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        bad = await http.post(f"{site.base}/console/login", json={"username": "ana", "password": "gresit"})
        assert bad.status == 401
        assert (await bad.json())["message"] == "Utilizator sau parolă greșită."
        token = await form_token(http, f"{site.base}/console/login")
        form_bad = await http.post(
            f"{site.base}/console/login", data={"username": "ana", "password": "gresit", "csrf_token": token}
        )
        assert form_bad.status == 401 and "Utilizator sau parolă greșită." in await form_bad.text()
        assert (
            await http.post(
                f"{site.base}/console/login", data=b"{", headers={"Content-Type": "application/json"}
            )
        ).status == 400
        good = await http.post(
            f"{site.base}/console/login",
            data={"username": "ana", "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )  # fmt: skip
        assert good.status == 303 and good.headers["Location"] == "/console/"
        cookie = good.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
        page = await http.get(f"{site.base}/console/")
        assert page.status == 200 and "Coada de așteptare" in await page.text()
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        logout_token = await form_token(http, f"{site.base}/console/")
        await http.post(f"{site.base}/console/logout", data={"csrf_token": logout_token})
        assert (await http.get(f"{site.base}/console/api/me")).status == 401


async def test_sessions_expire(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    http = await login(site.base, "ana")
    async with http:
        assert (await http.get(f"{site.base}/console/api/me")).status == 200
        with site.service.store.session_scope() as connection:
            connection.execute(
                sessions.update().values(
                    expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
                )
            )
        resp = await http.get(f"{site.base}/console/api/me")
        assert resp.status == 401 and "expirat" in (await resp.json())["message"]


async def test_handoff_flow_queue_takeover_messages_transfer_release(site):
    store = site.service.store
    add_clerk(store, "ana", "Ana Popescu")
    add_clerk(store, "ion", "Ion Ionescu")
    ana, ion = await login(site.base, "ana"), await login(site.base, "ion")
    async with ana, ion, aiohttp.ClientSession() as http:
        for clerk in (ana, ion):
            resp = await clerk.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
            assert (await resp.json())["me"]["presence"] == "activ"
        bad = await ana.post(f"{site.base}/console/api/presence", json={"presence": "plecat"})
        assert bad.status == 400
        ana_live = await console_socket(ana, site)

        citizen, cid = await queued_citizen(http, site)
        queued = [f for f in citizen.frames if f.get("sender") == "system"]
        assert "V-am trecut în așteptare" in queued[-1]["text"]
        position = await citizen.next("queue")
        assert position["position"] == 1 and position["estimate_minutes"] >= 1
        alert = await ana_live.next("alert")
        assert alert["conversation_id"] == cid and alert["topic"] == "Certificat de urbanism"
        queue_frame = await ana_live.next("queue")
        item = queue_frame["items"][0]
        assert item["id"] == cid and item["form_id"] == "certificat_urbanism"
        assert [m["text"] for m in item["transcript"]][:2] == [
            "Vreau certificat de urbanism",
            "Ecou: Vreau certificat de urbanism",
        ]

        # While queued, what the citizen writes goes to the clerks, not the bot.
        received = list(site.agent.received)
        await citizen.send({"type": "message", "text": "<script>alert('x')</script>", "client_id": "x"})
        await citizen.next("ack")
        live = await ana_live.next("message")
        assert live["message"]["text"] == "<script>alert('x')</script>"

        # Two clerks click "Preia" at the same moment: one wins, the other is told.
        url = f"{site.base}/console/api/conversations/{cid}/takeover"
        first, second = await asyncio.gather(ana.post(url), ion.post(url))
        statuses = sorted([first.status, second.status])
        assert statuses == [200, 409]
        winner, loser = (ana, ion) if first.status == 200 else (ion, ana)
        winner_name = "Ana Popescu" if winner is ana else "Ion Ionescu"
        lost = await (second if first.status == 200 else first).json()
        assert lost["error"] == "already_taken" and winner_name in lost["message"]
        taken = await citizen.next("state", state="clerk")
        assert taken["clerk"] == winner_name

        # The loser can do nothing with it; nothing changes.
        before = len(store.transcript(cid))
        for path, body in [("message", {"text": "Bună"}), ("release", {}), ("close", {}),
                           ("transfer", {"to": "ana"}), ("card", {"form_id": "petitie"})]:  # fmt: skip
            resp = await loser.post(f"{site.base}/console/api/conversations/{cid}/{path}", json=body)
            assert resp.status == 409 and (await resp.json())["error"] == "not_yours", path
        assert len(store.transcript(cid)) == before
        assert store.conversation(cid).state == "clerk"

        # Messages both ways; the bot receives nothing meanwhile.
        resp = await winner.post(
            f"{site.base}/console/api/conversations/{cid}/message", json={"text": "Bună ziua, vă ascult."}
        )
        assert resp.status == 200
        clerk_msg = await citizen.next("message", sender="clerk")
        assert clerk_msg["text"] == "Bună ziua, vă ascult." and clerk_msg["name"] == winner_name
        await citizen.send({"type": "message", "text": "Ce acte trebuie?", "client_id": "y"})
        await citizen.next("ack")
        assert site.agent.received == received
        for bad_text, code in [("", "empty"), ("x" * 2001, "too_long")]:
            resp = await winner.post(
                f"{site.base}/console/api/conversations/{cid}/message", json={"text": bad_text}
            )
            assert (await resp.json())["error"] == code
        bad_json = await winner.post(
            f"{site.base}/console/api/conversations/{cid}/message",
            data=b"[",
            headers={"Content-Type": "application/json"},
        )
        assert bad_json.status == 400

        # A catalog card and a blank PDF in one click.
        resp = await winner.post(
            f"{site.base}/console/api/conversations/{cid}/card", json={"form_id": "certificat_urbanism"}
        )
        card = await citizen.next("message", sender="clerk")
        assert (
            "Certificat de urbanism" in card["text"]
            and card["buttons"][0]["url"] == "/formulare/certificat_urbanism.pdf"
        )
        resp = await winner.post(
            f"{site.base}/console/api/conversations/{cid}/pdf", json={"form_id": "nu_exista"}
        )
        assert resp.status == 404 and (await resp.json())["error"] == "unknown_form"
        await winner.post(f"{site.base}/console/api/conversations/{cid}/pdf", json={"form_id": "petitie"})
        pdf = await citizen.next("message", sender="clerk")
        assert pdf["buttons"] == [
            {
                "title": "Descărcați formularul (PDF)",
                "type": "web_url",
                "url": "/formulare/petitie.pdf",
                "payload": "/formulare/petitie.pdf",
            }
        ]

        # Transfer to the other clerk, who then releases it to the bot.
        other = "ion" if winner is ana else "ana"
        resp = await winner.post(
            f"{site.base}/console/api/conversations/{cid}/transfer", json={"to": "nimeni"}
        )
        assert resp.status == 404
        resp = await winner.post(f"{site.base}/console/api/conversations/{cid}/transfer", json={"to": other})
        assert resp.status == 200, await resp.text()
        moved = await citizen.next("state", state="clerk")
        assert moved["clerk"] != winner_name
        resp = await loser.post(f"{site.base}/console/api/conversations/{cid}/release")
        assert resp.status == 200
        await citizen.next("state", state="bot")
        await citizen.send({"type": "message", "text": "mulțumesc", "client_id": "z"})
        await citizen.next("message", sender="bot", text="Ecou: mulțumesc")

        # The whole conversation comes back on reconnect, in order.
        await citizen.ws.close()
        again, welcome = await open_citizen(http, site.ws_base, cid)
        senders = [m["sender"] for m in welcome["history"]]
        assert {"citizen", "bot", "clerk", "system"} <= set(senders)
        assert welcome["state"] == "bot"
        await again.ws.close()
        await ana_live.ws.close()


async def test_clerk_disconnect_returns_conversation_to_queue(site, monkeypatch):
    store = site.service.store
    add_clerk(store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        live = await console_socket(ana, site)
        citizen, cid = await queued_citizen(http, site)
        assert (await ana.post(f"{site.base}/console/api/conversations/{cid}/takeover")).status == 200
        await citizen.next("state", state="clerk")
        monkeypatch.setenv("HANDOFF_CLERK_GRACE_SECONDS", "1")
        await live.ws.close()
        back = await citizen.next("state", state="queued", timeout=10)
        assert back["queue"]["position"] == 1
        note = [f for f in citizen.frames if f.get("sender") == "system"][-1]
        assert "s-a deconectat" in note["text"]
        assert store.clerk_by_username("ana").presence == "indisponibil"
        await citizen.ws.close()


async def test_closing_time_sends_queued_citizens_back_with_next_opening(site, schedule_file):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        citizen, cid = await queued_citizen(http, site)
        closed, day = closed_now_schedule()
        set_schedule(schedule_file, closed)
        await citizen.next("state", state="bot", timeout=10)
        note = [f for f in citizen.frames if f.get("sender") == "system"][-1]
        # Today has no hours in that schedule: the citizen reads so, not that they ended.
        assert "s-a încheiat" not in note["text"]
        assert "Ne pare rău, nu vă putem prelua. Astăzi, " in note["text"]
        assert "primăria este închisă." in note["text"]
        assert f"{day}," in note["text"] and "08:00" in note["text"]
        assert "registratura@primariamagurele.ro" in note["text"]
        await citizen.ws.close()
    assert site.service.store.conversation(cid).state == "bot"


async def test_citizen_can_leave_the_queue(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        citizen, cid = await queued_citizen(http, site)
        await citizen.send({"type": "leave_queue"})
        await citizen.next("state", state="bot")
        queue = await (await ana.get(f"{site.base}/console/api/queue")).json()
        assert queue["items"] == []
        resp = await ana.post(f"{site.base}/console/api/conversations/{cid}/takeover")
        assert resp.status == 409 and (await resp.json())["error"] == "not_queued"
        resp = await ana.get(f"{site.base}/console/api/conversations/{cid}")
        assert resp.status == 403
        resp = await ana.get(f"{site.base}/console/api/conversations/{'f' * 32}")
        assert resp.status == 404 and (await resp.json())["error"] == "unknown_conversation"
        await citizen.ws.close()


async def test_unavailable_clerk_cannot_take_over(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    add_clerk(site.service.store, "ion", "Ion Ionescu")
    ana, ion = await login(site.base, "ana"), await login(site.base, "ion")
    async with ana, ion, aiohttp.ClientSession() as http:
        await ana.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
        citizen, cid = await queued_citizen(http, site)
        resp = await ion.post(f"{site.base}/console/api/conversations/{cid}/takeover")
        assert resp.status == 409 and (await resp.json())["error"] == "not_active"
        assert site.service.store.conversation(cid).state == "queued"
        await citizen.ws.close()
