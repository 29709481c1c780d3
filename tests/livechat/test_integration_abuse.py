"""Issue 6 end to end: the real model, the real action server (``--actions actions``), the
website channel and the archive.

The insult ladder up to the pause, a flood, the redirect hint a clerk gets for an
infrastructure question, and a clerk flagging and closing a conversation.
"""

import datetime as dt

import aiohttp
import pytest
import sqlalchemy as sa

from livechat.tables import conversations
from tests.livechat.conftest import Citizen, add_clerk, login, open_citizen
from tests.livechat.stack import FLOOD_LIMIT

pytestmark = pytest.mark.integration

BOT_TIMEOUT = 60


async def say(citizen: Citizen, text: str, client_id: str, payload: str = None) -> None:
    frame = {"type": "message", "text": text, "client_id": client_id}
    if payload:
        frame["payload"] = payload
    await citizen.send(frame)
    await citizen.next("ack", client_id=client_id)


def archived(stack, conversation_id: str):
    from archive.archive import Archive

    archive = Archive(stack.db_url)
    try:
        return archive.conversation(conversation_id)
    finally:
        archive.close()


async def test_third_insult_pauses_the_conversation_then_service_resumes(stack, stack_store):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, stack.ws_base)
        cid = welcome["conversation_id"]

        await say(citizen, "esti prost", "i1")
        first = await citizen.next("message", sender="bot", timeout=BOT_TIMEOUT)
        assert "ton civilizat" in first["text"] and "înregistrată și arhivată" in first["text"]
        await say(citizen, "bot tampit", "i2")
        second = await citizen.next("message", sender="bot", timeout=BOT_TIMEOUT)
        assert "la următorul mesaj jignitor ea va fi suspendată pentru 15 minute" in second["text"]
        await say(citizen, "idiotilor", "i3")
        third = await citizen.next("message", sender="bot", timeout=BOT_TIMEOUT)
        assert third["text"].startswith("Conversația este suspendată pentru 15 minute")

        # The channel took the action's pause request: stored, told, archived.
        notice = await citizen.next("message", sender="system", timeout=BOT_TIMEOUT)
        paused_until = stack_store.conversation(cid).paused_until
        assert paused_until is not None
        assert (
            dt.timedelta(minutes=14)
            < paused_until - dt.datetime.now(dt.timezone.utc)
            <= dt.timedelta(minutes=15)
        )
        hhmm = (await citizen.next("state"))["pause"]["until_local"]
        assert notice["text"] == f"Conversația este suspendată până la ora {hhmm}."
        assert stack_store.conversation(cid).flag == "limbaj_jignitor"

        # While paused: stored and archived, not answered, the citizen told until when.
        await say(citizen, "cât costă certificatul de urbanism?", "p1")
        error = await citizen.next("error", code="paused")
        assert f"Conversația este suspendată până la ora {hhmm}" in error["message"]
        with pytest.raises(AssertionError):
            await citizen.next("message", sender="bot", timeout=5)

        # Time is up (moved here in the database): housekeeping says so, the bot answers.
        with stack_store.session_scope() as connection:
            connection.execute(
                conversations.update()
                .where(conversations.c.id == cid)
                .values(paused_until=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
            )
        ended = await citizen.next("message", sender="system", timeout=10)
        assert ended["text"].startswith("Suspendarea conversației s-a încheiat")
        await say(citizen, "care este programul primăriei?", "p2")
        answer = await citizen.next("message", sender="bot", timeout=BOT_TIMEOUT)
        assert answer["text"].startswith("Programul cu publicul")
        await citizen.ws.close()

    turns = archived(stack, cid)
    (paused,) = [t for t in turns if t.event == "paused"]
    assert {"limbaj_jignitor", "insult"} <= set(paused.flags)
    held = [t for t in turns if t.speaker == "citizen" and t.text == "cât costă certificatul de urbanism?"]
    assert len(held) == 1 and held[0].extra.get("unanswered") == "paused"
    # Rasa's tracker store adds a "classified" turn to each message Rasa handled.
    classified = [t for t in turns if t.event == "classified"]
    assert f"{held[0].source_key}:classified" not in {t.source_key for t in classified}
    insults = [t for t in classified if t.intent == "insult"]
    assert len(insults) == 3 and all("insult" in t.flags for t in insults)
    assert [t.event for t in turns if t.event == "pause_ended"] == ["pause_ended"]


async def test_flood_is_refused_with_please_wait(stack):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, stack.ws_base)
        cid = welcome["conversation_id"]
        for i in range(FLOOD_LIMIT + 2):
            await citizen.send({"type": "message", "text": f"bună ziua {i}", "client_id": f"f{i}"})
        for i in range(FLOOD_LIMIT, FLOOD_LIMIT + 2):
            error = await citizen.next("error", client_id=f"f{i}", timeout=BOT_TIMEOUT)
            assert error["code"] == "too_fast" and error["message"].startswith("Vă rugăm să așteptați")
            assert f"mai mult de {FLOOD_LIMIT} mesaje într-un minut" in error["message"]
            assert error["retry_after"] >= 1
        await citizen.ws.close()
    turns = archived(stack, cid)
    texts = [t.text for t in turns if t.speaker == "citizen"]
    assert texts == [f"bună ziua {i}" for i in range(FLOOD_LIMIT)]  # refused ones not stored
    (flood,) = [t for t in turns if t.event == "rate_limited"]
    assert "flood" in flood.flags


async def test_bot_refusal_of_a_works_question_is_archived_with_flag_and_department(stack):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, stack.ws_base)
        cid = welcome["conversation_id"]
        await say(citizen, "strada mea e plina de gropi, cand o asfaltati?", "g")
        reply = await citizen.next("message", sender="bot", timeout=BOT_TIMEOUT)
        assert "drumuri@primariamagurele.ro" in reply["text"]
        assert reply["buttons"][0]["url"].startswith("mailto:drumuri@primariamagurele.ro?subject=")
        assert "archive" not in reply and "redirect" not in str(reply)  # for auditors only
        await citizen.ws.close()
    turns = archived(stack, cid)
    (answer,) = [t for t in turns if t.speaker == "bot"]
    assert answer.flags == ("out_of_scope",)
    assert answer.extra["redirect"] == {
        "topic": "drumuri", "department": "Compartimentul Drumuri și Infrastructură Rutieră",
        "email": "drumuri@primariamagurele.ro", "mixed": False,
    }  # fmt: skip


async def test_clerk_gets_an_infrastructure_hint_sends_it_then_flags_and_closes(stack, stack_store):
    add_clerk(stack_store, "ioana", "Ioana Stan")
    ioana = await login(stack.base, "ioana")
    async with ioana, aiohttp.ClientSession() as http:
        resp = await ioana.post(f"{stack.base}/console/api/presence", json={"presence": "activ"})
        assert resp.status == 200
        live = Citizen(await ioana.ws_connect(f"{stack.ws_base}/console/ws"))
        await live.next("snapshot")

        citizen, welcome = await open_citizen(http, stack.ws_base)
        cid = welcome["conversation_id"]
        await say(citizen, "Vorbiți cu un funcționar", "h", payload="/request_human")
        await citizen.next("state", state="queued", timeout=BOT_TIMEOUT)
        resp = await ioana.post(f"{stack.base}/console/api/conversations/{cid}/takeover")
        assert resp.status == 200, await resp.text()
        await citizen.next("state", state="clerk")

        # The model (NLU only) recognises the complaint; the clerk gets the redirect.
        await say(citizen, "strada mea e plina de gropi, cand o asfaltati?", "g")
        await live.next("message", conversation_id=cid)  # the citizen's own message
        hint_frame = await live.next("message", conversation_id=cid, timeout=BOT_TIMEOUT)
        hint = hint_frame["message"]["hint"]
        assert hint["intent"] == "out_of_scope_infrastructure" and hint["topic"] == "drumuri"
        assert "drumuri@primariamagurele.ro" in hint["text"]
        with pytest.raises(AssertionError):  # the bot stays silent, the citizen sees no hint
            await citizen.next("message", timeout=3)

        resp = await ioana.post(
            f"{stack.base}/console/api/conversations/{cid}/redirect",
            json={"hint_id": hint_frame["message"]["id"]},
        )
        assert resp.status == 200, await resp.text()
        sent = await citizen.next("message", sender="clerk")
        assert sent["name"] == "Ioana Stan" and sent["text"] == hint["text"]
        assert sent["buttons"][0]["url"].startswith("mailto:drumuri@primariamagurele.ro?subject=")

        # An ordinary question gets no hint.
        await say(citizen, "ce acte trebuie pentru certificatul de urbanism?", "u")
        await live.next("message", conversation_id=cid)  # the clerk's redirect, echoed
        await live.next("message", conversation_id=cid)  # the citizen's question
        with pytest.raises(AssertionError):
            await live.next("message", conversation_id=cid, timeout=5)

        # Flag and close with a reason.
        resp = await ioana.post(
            f"{stack.base}/console/api/conversations/{cid}/close",
            json={"flag": "spam", "note": "același mesaj de 30 de ori"},
        )
        assert resp.status == 200, await resp.text()
        closed = await citizen.next("message", sender="system")
        assert (
            "semnalat-o pentru verificare, deoarece conține mesaje repetate sau fără legătură "
            "cu serviciile primăriei." in closed["text"]
        )
        assert (await live.next("unassigned", conversation_id=cid))["flag"]["label"] == "spam"
        await citizen.ws.close()
        await live.ws.close()

    with stack_store.session_scope() as connection:
        row = connection.execute(
            sa.select(conversations.c.flag, conversations.c.flag_note).where(conversations.c.id == cid)
        ).one()
    assert tuple(row) == ("spam", "același mesaj de 30 de ori")
    turns = archived(stack, cid)
    (redirect,) = [t for t in turns if t.event == "out_of_scope_redirect"]
    assert redirect.extra["topic"] == "drumuri" and redirect.clerk_id == "ioana"
    assert "out_of_scope" in redirect.flags
    (closing,) = [t for t in turns if t.event == "closed"]
    assert "spam" in closing.flags and closing.extra["note"] == "același mesaj de 30 de ori"
    assert any(t.speaker == "clerk" and t.extra.get("redirect", {}).get("topic") == "drumuri" for t in turns)
