"""End to end against the real assistant: trained model, action server, website channel.

Drives a citizen websocket and the console API through a bot answer, a request for a
person outside hours and inside hours with a clerk active, the queue, takeover, messages
both ways, transfer, release and reconnect with history.
"""

import aiohttp
import pytest

from tests.livechat.conftest import (
    ALWAYS_OPEN,
    Citizen,
    add_clerk,
    closed_now_schedule,
    login,
    open_citizen,
    set_schedule,
)

pytestmark = pytest.mark.integration


async def ask(citizen: Citizen, text: str, payload: str = None) -> None:
    frame = {"type": "message", "text": text, "client_id": text[:20]}
    if payload:
        frame["payload"] = payload
    await citizen.send(frame)
    await citizen.next("ack", timeout=10)


async def test_bot_answers_from_the_catalog_with_a_pdf_link(stack):
    async with aiohttp.ClientSession() as http:
        citizen, _ = await open_citizen(http, stack.ws_base)
        await ask(citizen, "ce acte trebuie pentru certificatul de urbanism?")
        answer = await citizen.next("message", sender="bot", timeout=60)
        while not answer.get("buttons"):
            answer = await citizen.next("message", sender="bot", timeout=30)
        assert "urbanism" in answer["text"].lower() or any(
            "urbanism" in f.get("text", "").lower() for f in citizen.frames
        )
        link = next(b for b in answer["buttons"] if "url" in b)
        assert link["url"] == "/formulare/certificat_urbanism.pdf"
        pdf = await http.get(f"{stack.base}{link['url']}")
        assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
        await citizen.ws.close()


async def test_request_for_a_person_outside_hours(stack):
    closed, day = closed_now_schedule()
    set_schedule(stack.schedule, closed)
    try:
        async with aiohttp.ClientSession() as http:
            citizen, welcome = await open_citizen(http, stack.ws_base)
            await ask(citizen, "vreau să vorbesc cu un funcționar")
            reply = await citizen.next("message", sender="bot", timeout=60)
            assert f"răspund în chat {day} 08:00–16:30" in reply["text"]
            assert "registratura@primariamagurele.ro" in reply["text"]
            assert reply["buttons"][0]["url"].startswith("mailto:")
            await citizen.ws.close()
    finally:
        set_schedule(stack.schedule, ALWAYS_OPEN)


async def test_handoff_end_to_end(stack, stack_store):
    add_clerk(stack_store, "maria", "Maria Ionescu")
    add_clerk(stack_store, "vasile", "Vasile Marin")
    maria, vasile = await login(stack.base, "maria"), await login(stack.base, "vasile")
    async with maria, vasile, aiohttp.ClientSession() as http:
        for clerk in (maria, vasile):
            resp = await clerk.post(f"{stack.base}/console/api/presence", json={"presence": "activ"})
            assert resp.status == 200
        live_ws = await maria.ws_connect(f"{stack.ws_base}/console/ws")
        live = Citizen(live_ws)
        await live.next("snapshot")

        citizen, welcome = await open_citizen(http, stack.ws_base)
        cid = welcome["conversation_id"]
        await ask(citizen, "cât costă certificatul de urbanism?")
        await citizen.next("message", sender="bot", timeout=60)
        # The widget's button sends /request_human; the real action decides to queue.
        await ask(citizen, "Vorbiți cu un funcționar", payload="/request_human")
        queued = await citizen.next("state", state="queued", timeout=60)
        assert queued["queue"]["position"] == 1
        assert queued["queue"]["estimate_minutes"] >= 1
        item = (await live.next("queue", timeout=10))["items"][0]
        assert item["id"] == cid and item["form_id"] == "certificat_urbanism"
        assert item["topic"] == "Certificat de urbanism"
        assert any(m["sender"] == "bot" for m in item["transcript"])

        resp = await maria.post(f"{stack.base}/console/api/conversations/{cid}/takeover")
        assert resp.status == 200, await resp.text()
        late = await vasile.post(f"{stack.base}/console/api/conversations/{cid}/takeover")
        assert late.status == 409 and "Maria Ionescu" in (await late.json())["message"]
        assert (await citizen.next("state", state="clerk"))["clerk"] == "Maria Ionescu"

        # Citizen -> clerk, and the bot stays silent.
        await ask(citizen, "bună ziua, am o întrebare")
        seen = await live.next("message", timeout=10)
        assert seen["message"]["text"] == "bună ziua, am o întrebare"
        with pytest.raises(AssertionError):
            await citizen.next("message", sender="bot", timeout=3)
        # Clerk -> citizen, with the clerk's name.
        await maria.post(f"{stack.base}/console/api/conversations/{cid}/message", json={"text": "Vă ascult."})
        reply = await citizen.next("message", sender="clerk")
        assert reply["text"] == "Vă ascult." and reply["name"] == "Maria Ionescu"

        # Transfer to Vasile; Maria can no longer write.
        resp = await maria.post(
            f"{stack.base}/console/api/conversations/{cid}/transfer", json={"to": "vasile"}
        )
        assert resp.status == 200, await resp.text()
        assert (await citizen.next("state", state="clerk"))["clerk"] == "Vasile Marin"
        resp = await maria.post(
            f"{stack.base}/console/api/conversations/{cid}/message", json={"text": "încă eu"}
        )
        assert resp.status == 409
        await vasile.post(
            f"{stack.base}/console/api/conversations/{cid}/pdf", json={"form_id": "certificat_urbanism"}
        )
        pdf = await citizen.next("message", sender="clerk")
        assert (
            pdf["name"] == "Vasile Marin" and pdf["buttons"][0]["url"] == "/formulare/certificat_urbanism.pdf"
        )

        # Release: the bot answers again.
        resp = await vasile.post(f"{stack.base}/console/api/conversations/{cid}/release")
        assert resp.status == 200
        await citizen.next("state", state="bot")
        await ask(citizen, "care este programul primăriei?")
        answer = await citizen.next("message", sender="bot", timeout=60)
        # Answered from the stack's schedule file (open all week, round the clock).
        assert answer["text"].startswith("Programul cu publicul este luni–duminică 00:00–24:00")

        # Reconnect: the whole conversation comes back.
        await citizen.ws.close()
        again, welcome = await open_citizen(http, stack.ws_base, cid)
        history = welcome["history"]
        texts = [m["text"] for m in history]
        assert "Vă ascult." in texts and "bună ziua, am o întrebare" in texts
        assert [m["sender"] for m in history].count("clerk") == 2
        assert welcome["state"] == "bot"
        await again.ws.close()
        await live_ws.close()

    # Every turn is in the audit archive too (citizen, bot, clerk, system).
    from archive.archive import Archive

    archive = Archive(stack.db_url)
    speakers = {turn.speaker for turn in archive.conversation(cid)}
    assert speakers == {"citizen", "bot", "clerk", "system"}
