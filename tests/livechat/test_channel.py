"""The website channel in a real Sanic server: pages, PDFs, the citizen websocket, bad input."""

import asyncio

import aiohttp
import pytest

from livechat.channel import WebsiteChannel, clean_buttons
from livechat.settings import ChannelSettings
from tests.livechat.conftest import closed_now_schedule, open_citizen, set_schedule


def test_channel_reads_its_credentials_with_defaults():
    channel = WebsiteChannel.from_credentials(None)
    assert channel.name() == "website"
    assert channel.settings == ChannelSettings()
    assert WebsiteChannel.from_credentials({"session_ttl_minutes": 30}).settings.session_ttl_minutes == 30
    with pytest.raises(ValueError, match="unknown key"):
        WebsiteChannel.from_credentials({"sesion_ttl": 30})
    with pytest.raises(ValueError, match="housekeeping_seconds"):
        WebsiteChannel.from_credentials({"housekeeping_seconds": "des"})


def test_buttons_keep_only_safe_links():
    buttons = clean_buttons(
        [
            {"title": "PDF", "type": "web_url", "url": "/formulare/petitie.pdf"},
            {"title": "E-mail", "type": "web_url", "url": "mailto:registratura@primariamagurele.ro"},
            {"title": "Rău", "type": "web_url", "url": "javascript:alert(1)"},
            {"title": "Altundeva", "type": "web_url", "url": "//evil.example/x"},
            {"title": "Program", "payload": "/ask_schedule"},
            {"payload": "/fara_titlu"},
        ]
    )
    assert buttons == [
        {"title": "PDF", "url": "/formulare/petitie.pdf"},
        {"title": "E-mail", "url": "mailto:registratura@primariamagurele.ro"},
        {"title": "Program", "payload": "/ask_schedule"},
    ]


async def test_pages_and_files(site):
    async with aiohttp.ClientSession() as http:
        resp = await http.get(f"{site.base}/webhooks/website/")
        assert await resp.json() == {"status": "ok"}
        demo = await (await http.get(f"{site.base}/demo")).text()
        assert "Primăria Orașului Măgurele" in demo
        assert '<script src="/webhooks/website/static/widget.js"' in demo
        widget = await http.get(f"{site.base}/webhooks/website/static/widget.js")
        assert widget.headers["Content-Type"].startswith("application/javascript")
        assert "Vorbiți cu un funcționar" in await widget.text()
        assert (await http.get(f"{site.base}/webhooks/website/static/console.js")).status == 404
        assert (await http.get(f"{site.base}/webhooks/website/static/..%2Fchannel.py")).status == 404


async def test_blank_pdfs(site):
    async with aiohttp.ClientSession() as http:
        resp = await http.get(f"{site.base}/formulare/petitie.pdf")
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/pdf"
        assert (await resp.read()).startswith(b"%PDF")
        missing = await http.get(f"{site.base}/formulare/autorizatie_de_zbor.pdf")
        assert missing.status == 404
        assert "nu există în catalogul" in await missing.text()
        for bad in ("petitie.txt", "..%2Fsecret.pdf", "PETITIE.pdf"):
            assert (await http.get(f"{site.base}/formulare/{bad}")).status == 404


async def test_citizen_talks_to_the_bot_and_gets_history_back(site):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        conversation_id = welcome["conversation_id"]
        assert welcome["state"] == "bot" and welcome["history"] == []
        assert "înregistrată" in welcome["notice"]
        await citizen.send({"type": "message", "text": "Bună ziua", "client_id": "c1"})
        ack = await citizen.next("ack")
        assert ack["client_id"] == "c1" and ack["message"]["text"] == "Bună ziua"
        reply = await citizen.next("message", sender="bot")
        assert reply["text"] == "Ecou: Bună ziua" and reply["name"] == "Asistentul virtual"
        assert {"title": "PDF", "url": "/formulare/petitie.pdf"} in reply["buttons"]
        assert all("javascript" not in str(b) for b in reply["buttons"])
        # A button click sends its payload to the bot and shows its title.
        await citizen.send(
            {"type": "message", "text": "Program", "payload": "/ask_schedule", "client_id": "c2"}
        )
        await citizen.next("message", sender="bot", text="Ecou: /ask_schedule")
        await citizen.ws.close()

        again, welcome = await open_citizen(http, site.ws_base, conversation_id)
        assert welcome["conversation_id"] == conversation_id
        texts = [(m["sender"], m["text"]) for m in welcome["history"]]
        assert texts == [
            ("citizen", "Bună ziua"), ("bot", "Ecou: Bună ziua"),
            ("citizen", "Program"), ("bot", "Ecou: /ask_schedule"),
        ]  # fmt: skip
        await again.ws.close()


async def test_bad_input_gets_clear_errors_and_changes_nothing(site):
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{site.ws_base}/webhooks/website/ws")
        from tests.livechat.conftest import Citizen

        raw = Citizen(ws)
        await raw.send({"type": "message", "text": "prea devreme"})
        assert (await raw.next("error"))["code"] == "not_started"
        await raw.send({"type": "hello", "conversation_id": "nu-exista"})
        error = await raw.next("error")
        assert error["code"] == "unknown_conversation" and "nu există" in error["message"]
        await raw.send({"type": "hello", "conversation_id": "<script>"})
        assert (await raw.next("error"))["code"] == "unknown_conversation"
        await ws.close()

        citizen, welcome = await open_citizen(http, site.ws_base)
        cases = [
            ({"type": "message", "text": "x" * 2001, "client_id": "long"}, "too_long"),
            ({"type": "message", "text": "   \n", "client_id": "empty"}, "empty"),
            ({"type": "message", "text": 42, "client_id": "num"}, "malformed"),
            ({"type": "message", "text": "ok", "payload": {"x": 1}, "client_id": "p"}, "malformed"),
            ({"type": "zbor"}, "unknown_type"),
            ({"text": "fără tip"}, "malformed"),
            ({"type": "hello", "conversation_id": None}, "already_started"),
            ({"type": "leave_queue"}, "not_queued"),
        ]
        for frame, code in cases:
            await citizen.send(frame)
            error = await citizen.next("error")
            assert error["code"] == code, (frame, error)
            assert error["message"]
            if "client_id" in frame:
                assert error["client_id"] == frame["client_id"]
        long_error = [f for f in citizen.frames if f.get("code") == "too_long"][0]
        assert "2001" in long_error["message"] and "2000" in long_error["message"]
        await citizen.ws.send_str("{nu este json")
        assert (await citizen.next("error"))["code"] == "malformed"
        await citizen.ws.send_bytes(b"\x00\x01")
        assert (await citizen.next("error"))["code"] == "malformed"
        await citizen.ws.send_str("[1, 2]")
        assert (await citizen.next("error"))["code"] == "malformed"
        # Exactly 2,000 characters are accepted.
        await citizen.send({"type": "message", "text": "ă" * 2000, "client_id": "max"})
        assert (await citizen.next("ack"))["client_id"] == "max"
        await citizen.ws.close()

    transcript = site.service.store.transcript(welcome["conversation_id"])
    assert [m.text for m in transcript if m.sender == "citizen"] == ["ă" * 2000]
    assert site.agent.received == ["ă" * 2000]


async def test_request_outside_hours_gives_hours_and_email(site, schedule_file):
    closed, day = closed_now_schedule()
    set_schedule(schedule_file, closed)
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        await citizen.send(
            {"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"}
        )
        reply = await citizen.next("message", sender="bot")
        assert f"răspund în chat {day} 08:00–16:30" in reply["text"]
        assert "Puteți vorbi cu un funcționar" in reply["text"]
        assert "registratura@primariamagurele.ro" in reply["text"]
        assert reply["buttons"] == [
            {"title": "Scrieți un e-mail: registratura@primariamagurele.ro",
             "url": "mailto:registratura@primariamagurele.ro"},
            # Issue 14: the question can be left as a message, answered the next working day.
            {"title": "Lăsați un mesaj", "url": f"/depunere/mesaj?c={welcome['conversation_id']}"},
        ]  # fmt: skip
        await citizen.ws.close()
    assert site.service.store.conversation(welcome["conversation_id"]).state == "bot"


async def test_request_in_hours_without_active_clerk_keeps_the_bot(site):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        await citizen.send(
            {"type": "message", "text": "Vorbiți cu un funcționar", "payload": "/request_human"}
        )
        reply = await citizen.next("message", sender="bot")
        assert "niciun funcționar" in reply["text"]
        await citizen.ws.close()
    assert site.service.store.conversation(welcome["conversation_id"]).state == "bot"


# -- a bot's refusal of an infrastructure question (issue 6) -----------------------------

INFRASTRUCTURE_QUESTION = "strada mea e plina de gropi, cand o asfaltati?"
ROADS = {
    "topic": "drumuri", "department": "Compartimentul Drumuri și Infrastructură Rutieră",
    "email": "drumuri@primariamagurele.ro", "mixed": False,
}  # fmt: skip


async def bot_redirects(service, conversation_id: str, question: str = INFRASTRUCTURE_QUESTION) -> None:
    """action_redirect_infrastructure answers ``question``, and its message reaches the
    website channel the way Rasa delivers it: the action server's JSON, the BotUttered
    Rasa makes of it (RemoteAction), and the processor's send_response."""
    import json

    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    from actions.scope import ActionRedirectInfrastructure
    from livechat.channel import WebsiteOutput
    from tests.actions.helpers import run_action, tracker_after, user_event

    messages, _ = await run_action(
        ActionRedirectInfrastructure(), tracker_after(user_event(question, "out_of_scope_infrastructure"))
    )
    output = WebsiteOutput(service)
    events = await RemoteAction._utter_responses(json.loads(json.dumps(messages)), output, None, None)
    await MessageProcessor._send_bot_messages(events, DialogueStateTracker(conversation_id, []), output)


@pytest.fixture
async def recording_site(db_url, schedule_file, monkeypatch):
    from tests.livechat.conftest import FailingSink, running_site

    monkeypatch.setenv("DATABASE_URL", db_url)
    FailingSink.failing = False
    FailingSink.recorded = []
    async with running_site(
        {"housekeeping_seconds": 0.2, "turn_sink": "tests.livechat.conftest.FailingSink"}
    ) as site:
        yield site


async def test_bot_redirect_is_archived_with_flag_and_department_the_citizen_does_not_see(recording_site):
    from tests.livechat.conftest import FailingSink

    site = recording_site
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        await bot_redirects(site.service, cid)
        shown = await citizen.next("message", sender="bot")
        assert "drumuri@primariamagurele.ro" in shown["text"]
        assert shown["buttons"][0]["url"].startswith("mailto:drumuri@primariamagurele.ro?subject=")
        frame = str(shown)
        assert "archive" not in frame and "redirect" not in frame and "out_of_scope" not in frame
        await citizen.ws.close()

    (turn,) = [t for t in FailingSink.recorded if t.speaker == "bot"]
    assert turn.flags == ("out_of_scope",)
    assert turn.extra["redirect"] == ROADS
    assert turn.extra["buttons"] == shown["buttons"]
    # Nor does the console's transcript (the handoff table) carry it.
    (stored,) = site.service.store.transcript(cid)
    assert stored.data == {"buttons": shown["buttons"]}


async def test_malformed_archive_metadata_changes_neither_message_nor_archive(recording_site, caplog):
    from livechat.channel import WebsiteOutput
    from tests.livechat.conftest import FailingSink

    site = recording_site
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        output = WebsiteOutput(site.service)
        await output.send_text_with_buttons(
            cid, "Bună ziua!", [{"title": "Program", "payload": "/ask_schedule"}],
            archive={"flags": ["<b>"], "buttons": [{"title": "fals", "payload": "/x"}], "topic": {"a": [1]}},
        )  # fmt: skip
        await output.send_text_message(cid, "Altceva?", archive=["out_of_scope"])
        first = await citizen.next("message", sender="bot", text="Bună ziua!")
        assert first["buttons"] == [{"title": "Program", "payload": "/ask_schedule"}]
        await citizen.next("message", sender="bot", text="Altceva?")
        await citizen.ws.close()
    first_turn, second_turn = [t for t in FailingSink.recorded if t.speaker == "bot"]
    assert first_turn.flags == () and first_turn.extra == {"buttons": first["buttons"]}
    assert second_turn.flags == () and second_turn.extra == {}
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert "'<b>'" in warned and "'buttons'" in warned and "'topic'" in warned and "not an object" in warned


async def test_a_typed_slash_command_reaches_the_bot_as_words_not_as_an_intent(site):
    """Found by the hostile corpus (issue 16): a citizen typing "/restart" or
    '/ask_procedure{"form": …}' made Rasa run that intent; only buttons send intents."""
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        await citizen.send({"type": "message", "text": "/restart", "client_id": "typed"})
        await citizen.next("ack", client_id="typed")
        await citizen.send(
            {
                "type": "message",
                "text": "Vorbiți cu un funcționar",
                "payload": "/request_human",
                "client_id": "b",
            }
        )
        await citizen.next("ack", client_id="b")
        await citizen.ws.close()
    deadline = asyncio.get_running_loop().time() + 10
    while len(site.agent.received) < 2 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert site.agent.received[:2] == ["restart", "/request_human"]
    typed = [
        m.text for m in site.service.store.transcript(welcome["conversation_id"]) if m.sender == "citizen"
    ]
    assert typed[0] == "/restart"  # the transcript keeps what was typed
