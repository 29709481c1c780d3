"""Issue 6 in the channel: the insult pause, floods, the clerk's redirect hint, flag and close.

A real Sanic server with the website channel and the bot stand-in of conftest.py; the
service's clock is replaced so that a pause or a minute of flooding can be lived through
without waiting. Turns go to a recording sink, to check what the auditors get.
"""

import datetime as dt
from typing import AsyncIterator

import aiohttp
import pytest

from livechat.copy import local_time
from tests.livechat.conftest import (
    PAUSE_TEXT,
    FailingSink,
    Site,
    add_clerk,
    login,
    open_citizen,
    running_site,
)


class Clock:
    """A settable UTC clock for the service."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
async def site(db_url, schedule_file, monkeypatch) -> AsyncIterator[Site]:
    """The channel with a recording sink, a 5-per-minute flood limit and a settable clock."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HANDOFF_CLERK_GRACE_SECONDS", "3600")
    FailingSink.failing = False
    FailingSink.recorded = []
    credentials = {
        "housekeeping_seconds": 0.2,
        "turn_sink": "tests.livechat.conftest.FailingSink",
        "citizen_messages_per_minute": 5,
    }
    async with running_site(credentials) as running:
        running.clock = Clock()
        running.service.clock = running.clock
        yield running


def turns(event: str):
    return [t for t in FailingSink.recorded if t.event == event]


# -- the pause after the third insult ---------------------------------------------------


async def test_pause_holds_messages_back_from_the_bot_until_it_ends(site):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        assert welcome["pause"] is None
        await citizen.send({"type": "message", "text": PAUSE_TEXT, "payload": PAUSE_TEXT, "client_id": "p"})
        await citizen.next("message", sender="bot", text="Conversația este suspendată.")
        until = site.clock.now + dt.timedelta(minutes=15)
        hhmm = local_time(until)
        notice = await citizen.next("message", sender="system")
        assert notice["text"] == f"Conversația este suspendată până la ora {hhmm}."
        state = await citizen.next("state")
        assert state["pause"]["until_local"] == hhmm

        # The pause is stored on the conversation and archived with its flags.
        conversation = site.service.store.conversation(cid)
        assert conversation.paused_until == until and conversation.flag == "limbaj_jignitor"
        (paused,) = turns("paused")
        assert set(paused.flags) == {"limbaj_jignitor", "insult"}
        assert paused.extra["minutes"] == 15 and paused.speaker == "system"

        # While paused: stored, archived, acknowledged, not sent to the bot; told until when.
        received = list(site.agent.received)
        await citizen.send({"type": "message", "text": "alo, de ce nu răspundeți?", "client_id": "q"})
        await citizen.next("ack", client_id="q")
        error = await citizen.next("error", code="paused")
        assert f"Conversația este suspendată până la ora {hhmm}" in error["message"]
        assert "registratura@primariamagurele.ro" in error["message"]
        assert "client_id" not in error  # the message itself was taken
        # The widget's "Vorbiți cu un funcționar" does not get round it either.
        await citizen.send(
            {
                "type": "message",
                "text": "Vorbiți cu un funcționar",
                "payload": "/request_human",
                "client_id": "h",
            }
        )
        await citizen.next("ack", client_id="h")
        await citizen.next("error", code="paused")
        assert site.agent.received == received
        stored = [m.text for m in site.service.store.transcript(cid) if m.sender == "citizen"]
        assert stored[-2:] == ["alo, de ce nu răspundeți?", "Vorbiți cu un funcționar"]
        held = [
            t
            for t in FailingSink.recorded
            if t.speaker == "citizen" and t.extra.get("unanswered") == "paused"
        ]
        assert [t.text for t in held] == ["alo, de ce nu răspundeți?", "Vorbiți cu un funcționar"]
        await citizen.ws.close()

        # A reload during the pause shows it again.
        again, welcome = await open_citizen(http, site.ws_base, cid)
        assert welcome["pause"]["until_local"] == hhmm

        # After the time: housekeeping says so, and the bot answers again.
        site.clock.advance(minutes=15, seconds=1)
        ended = await again.next("message", sender="system", timeout=5)
        assert ended["text"] == "Suspendarea conversației s-a încheiat. Ne puteți scrie din nou."
        assert (await again.next("state"))["pause"] is None
        assert len(turns("pause_ended")) == 1
        await again.send({"type": "message", "text": "Bună ziua", "client_id": "r"})
        await again.next("message", sender="bot", text="Ecou: Bună ziua")
        assert site.service.store.conversation(cid).paused_until is None
        assert site.service.store.conversation(cid).flag == "limbaj_jignitor"  # stays for audit
        await again.ws.close()


async def test_a_new_conversation_from_the_same_address_stays_paused(site):
    """Wave 2: the pause was tied to the conversation id in the browser's storage;
    clearing it (or another tab in private mode) started afresh, unpaused."""
    async with aiohttp.ClientSession() as http:
        citizen, first = await open_citizen(http, site.ws_base)
        await citizen.send({"type": "message", "text": PAUSE_TEXT, "payload": PAUSE_TEXT, "client_id": "p"})
        state = await citizen.next("state")
        hhmm = state["pause"]["until_local"]
        await citizen.ws.close()

        # Storage cleared: no conversation id, same client address.
        fresh, welcome = await open_citizen(http, site.ws_base)
        assert welcome["conversation_id"] != first["conversation_id"]
        assert welcome["pause"]["until_local"] == hhmm
        received = list(site.agent.received)
        await fresh.send({"type": "message", "text": "acum ce mai ziceți?", "client_id": "n"})
        await fresh.next("ack", client_id="n")
        error = await fresh.next("error", code="paused")
        assert f"suspendată până la ora {hhmm}" in error["message"]
        assert site.agent.received == received  # the bot was not asked
        carried = [t for t in turns("paused") if t.conversation_id == welcome["conversation_id"]]
        assert len(carried) == 1 and carried[0].extra["reason"] == "same_address"
        await fresh.ws.close()

        # When the pause is over, a new conversation starts unpaused.
        site.clock.advance(minutes=15, seconds=1)
        later, welcome = await open_citizen(http, site.ws_base)
        assert welcome["pause"] is None
        await later.ws.close()


async def test_pause_ends_on_time_even_before_housekeeping(site):
    """The check is against the clock, not against housekeeping having run."""
    cid = site.service.store.create_conversation(site.clock.now).id
    assert await site.service.pause(cid, 1, "insult", "limbaj_jignitor")
    conversation = site.service.store.conversation(cid)
    assert conversation.paused_at(site.clock.now)
    assert not conversation.paused_at(site.clock.now + dt.timedelta(minutes=1))


async def test_bad_pause_requests_change_nothing(site):
    cid = site.service.store.create_conversation(site.clock.now).id
    for minutes in (0, -5, "15", 15.5, True, None, 24 * 60 + 1):
        assert not await site.service.pause(cid, minutes, "insult", "limbaj_jignitor")
    assert not await site.service.pause("nu-exista", 15)
    conversation = site.service.store.conversation(cid)
    assert conversation.paused_until is None and conversation.flag is None
    assert turns("paused") == []
    # An unknown flag still pauses (the citizen was told), without the flag.
    assert await site.service.pause(cid, 5, "insult", "<b>rău</b>")
    conversation = site.service.store.conversation(cid)
    assert conversation.paused_until is not None and conversation.flag is None
    assert turns("paused")[-1].flags == ("insult",)


async def test_a_shorter_pause_does_not_cut_a_longer_one(site):
    cid = site.service.store.create_conversation(site.clock.now).id
    await site.service.pause(cid, 30, "insult", "limbaj_jignitor")
    await site.service.pause(cid, 5, "insult", "limbaj_jignitor")
    assert site.service.store.conversation(cid).paused_until == site.clock.now + dt.timedelta(minutes=30)


# -- floods -------------------------------------------------------------------------------


async def test_flood_gets_please_wait_and_is_served_again_when_the_rate_drops(site):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        for i in range(5):
            await citizen.send({"type": "message", "text": f"mesaj {i}", "client_id": f"m{i}"})
            await citizen.next("ack", client_id=f"m{i}")
        site.clock.advance(seconds=20)
        for i in (5, 6):
            await citizen.send({"type": "message", "text": f"mesaj {i}", "client_id": f"m{i}"})
            error = await citizen.next("error", client_id=f"m{i}")
            assert error["code"] == "too_fast"
            assert error["message"].startswith("Vă rugăm să așteptați")
            assert "mai mult de 5 mesaje într-un minut" in error["message"]
            assert error["retry_after"] == 40 and "40 de secunde" in error["message"]
        # Refused messages are neither stored nor answered nor archived; one audit record.
        stored = [m.text for m in site.service.store.transcript(cid) if m.sender == "citizen"]
        assert stored == [f"mesaj {i}" for i in range(5)]
        assert "mesaj 5" not in site.agent.received
        (flood,) = turns("rate_limited")
        assert flood.flags == ("flood",) and flood.conversation_id == cid
        # A minute after the first message the rate has dropped: served again.
        site.clock.advance(seconds=40)
        await citizen.send({"type": "message", "text": "mesaj 5", "client_id": "m5"})
        await citizen.next("ack", client_id="m5")
        await citizen.next("message", sender="bot", text="Ecou: mesaj 5")
        await citizen.ws.close()


async def test_the_limit_is_per_conversation_not_per_socket(site):
    async with aiohttp.ClientSession() as http:
        first, welcome = await open_citizen(http, site.ws_base)
        second, _ = await open_citizen(http, site.ws_base, welcome["conversation_id"])
        for i in range(5):
            await first.send({"type": "message", "text": f"m{i}", "client_id": f"m{i}"})
            await first.next("ack", client_id=f"m{i}")
        await second.send({"type": "message", "text": "din alt tab", "client_id": "x"})
        assert (await second.next("error", client_id="x"))["code"] == "too_fast"
        other, _ = await open_citizen(http, site.ws_base)  # another citizen is not affected
        await other.send({"type": "message", "text": "Bună", "client_id": "o"})
        await other.next("ack", client_id="o")
        for ws in (first, second, other):
            await ws.ws.close()


def test_flood_limit_comes_from_credentials():
    from livechat.settings import ChannelSettings

    assert ChannelSettings.from_credentials(None).citizen_messages_per_minute == 20
    assert (
        ChannelSettings.from_credentials({"citizen_messages_per_minute": 8}).citizen_messages_per_minute == 8
    )
    for bad in (0, -1, "20", 2.5, True):
        with pytest.raises(ValueError, match="citizen_messages_per_minute"):
            ChannelSettings.from_credentials({"citizen_messages_per_minute": bad})


# -- the clerk's redirect hint ------------------------------------------------------------


async def held_conversation(site, http, clerk_http):
    """A citizen whose conversation the clerk "ana" holds, and the clerk's live socket."""
    from tests.livechat.conftest import Citizen

    await clerk_http.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
    live = Citizen(await clerk_http.ws_connect(f"{site.ws_base}/console/ws"))
    await live.next("snapshot")
    citizen, welcome = await open_citizen(http, site.ws_base)
    cid = welcome["conversation_id"]
    await citizen.send({"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"})
    await citizen.next("state", state="queued")
    resp = await clerk_http.post(f"{site.base}/console/api/conversations/{cid}/takeover")
    assert resp.status == 200, await resp.text()
    await citizen.next("state", state="clerk")
    return citizen, cid, live


async def test_infrastructure_question_shows_the_clerk_a_redirect_to_send(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        citizen, cid, live = await held_conversation(site, http, ana)
        received = list(site.agent.received)

        await citizen.send({"type": "message", "text": "strada mea e plina de gropi", "client_id": "g"})
        await citizen.next("ack", client_id="g")
        await live.next("message", conversation_id=cid)  # the citizen's message
        frame = await live.next("message", conversation_id=cid)
        message = frame["message"]
        hint = message["hint"]
        assert message["sender"] == "system" and "lucrări sau investiții" in message["text"]
        assert hint["topic"] == "drumuri" and hint["email"] in hint["text"]
        assert hint["text"].startswith("Pe acest chat răspundem la întrebări despre cereri")
        assert hint["buttons"][0]["url"].startswith(f"mailto:{hint['email']}?subject=")
        assert site.agent.received == received  # NLU only: the bot did not answer

        # Archived as a redirect with its topic; never shown to the citizen.
        (redirect,) = turns("out_of_scope_redirect")
        assert redirect.extra["topic"] == "drumuri" and redirect.extra["delivery"] == "clerk_hint"
        assert redirect.clerk_id == "ana"
        with pytest.raises(AssertionError):
            await citizen.next("message", sender="system", timeout=1)

        # One click: the redirect goes to the citizen as Ana's message, with the link.
        resp = await ana.post(
            f"{site.base}/console/api/conversations/{cid}/redirect", json={"hint_id": message["id"]}
        )
        assert resp.status == 200, await resp.text()
        sent = await citizen.next("message", sender="clerk")
        assert sent["text"] == hint["text"] and sent["name"] == "Ana Popescu"
        assert sent["buttons"] == hint["buttons"]
        echo = await live.next("message", conversation_id=cid)  # the console sees it sent
        assert echo["message"]["sender"] == "clerk"
        clerk_turn = [t for t in FailingSink.recorded if t.speaker == "clerk"][-1]
        assert clerk_turn.extra["redirect"]["topic"] == "drumuri"

        # An ordinary message gets no hint; a bad or foreign hint id changes nothing.
        await citizen.send({"type": "message", "text": "mulțumesc", "client_id": "t"})
        await live.next("message", conversation_id=cid)
        with pytest.raises(AssertionError):
            await live.next("message", conversation_id=cid, timeout=1)
        for bad in ({"hint_id": 999999}, {"hint_id": "1"}, {}):
            resp = await ana.post(f"{site.base}/console/api/conversations/{cid}/redirect", json=bad)
            assert resp.status == 404 and (await resp.json())["error"] == "unknown_hint"

        # The hint stays in the console's view of the conversation, not in the citizen's.
        view = await (await ana.get(f"{site.base}/console/api/conversations/{cid}")).json()
        assert any(m.get("hint") for m in view["transcript"])
        await citizen.ws.close()
        again, welcome = await open_citizen(http, site.ws_base, cid)
        assert not any(m.get("hint") for m in welcome["history"])
        assert all("lucrări sau investiții: pe chat" not in m["text"] for m in welcome["history"])
        await again.ws.close()
        await live.ws.close()


# -- flag and close -----------------------------------------------------------------------


async def test_clerk_flags_and_closes_with_a_reason(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        citizen, cid, live = await held_conversation(site, http, ana)
        url = f"{site.base}/console/api/conversations/{cid}/close"
        bad_bodies = [
            ({"flag": "urat"}, "bad_flag"),
            ({"flag": "altul"}, "note_required"),
            ({"flag": "altul", "note": "   "}, "note_required"),
            ({"note": "fără motiv"}, "bad_flag"),
            ({"flag": "spam", "note": "x" * 501}, "too_long"),
            ({"flag": ["spam"]}, "bad_flag"),
        ]
        for body, code in bad_bodies:
            resp = await ana.post(url, json=body)
            assert resp.status in (400, 413) and (await resp.json())["error"] == code, body
        assert site.service.store.conversation(cid).state == "clerk"  # nothing changed

        resp = await ana.post(url, json={"flag": "altul", "note": "amenințări la adresa colegilor"})
        assert resp.status == 200, await resp.text()
        closed = await citizen.next("message", sender="system")
        assert "semnalat-o pentru verificare, cu un motiv notat pentru colegii" in closed["text"]
        assert "alt motiv" not in closed["text"] and "motiv:" not in closed["text"]
        assert "amenințări" not in closed["text"]  # the clerk's note is for the auditors
        unassigned = await live.next("unassigned", conversation_id=cid)
        assert unassigned["flag"] == {
            "code": "altul",
            "label": "alt motiv",
            "note": "amenințări la adresa colegilor",
        }

        conversation = site.service.store.conversation(cid)
        assert conversation.state == "closed" and conversation.flag == "altul"
        assert conversation.flag_note == "amenințări la adresa colegilor"
        closing = turns("closed")[-1]
        assert closing.flags == ("altul",) and closing.clerk_id == "ana"
        assert closing.extra == {
            "flag": "altul",
            "reason": "alt motiv",
            "note": "amenințări la adresa colegilor",
        }

        # When the citizen comes back and is queued again, the console shows the flag.
        await citizen.send(
            {"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"}
        )
        await citizen.next("state", state="queued")
        queue = (await live.next("queue"))["items"]
        assert queue[0]["flag"]["label"] == "alt motiv"
        await citizen.ws.close()
        await live.ws.close()


async def test_close_without_flag_is_unchanged(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    ana = await login(site.base, "ana")
    async with ana, aiohttp.ClientSession() as http:
        citizen, cid, live = await held_conversation(site, http, ana)
        resp = await ana.post(f"{site.base}/console/api/conversations/{cid}/close")
        assert resp.status == 200
        closed = await citizen.next("message", sender="system")
        assert closed["text"].startswith("Funcționarul a încheiat conversația. Vă mulțumim!")
        assert site.service.store.conversation(cid).flag is None
        assert turns("closed")[-1].flags == ()
        await citizen.ws.close()
        await live.ws.close()
