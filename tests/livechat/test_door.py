"""Input checked once at the door (livechat.door), on the citizen socket and the console."""

import json

import aiohttp
import pytest

from livechat import door
from tests.livechat.conftest import add_clerk, login, open_citizen
from tests.web.test_console import queued_citizen


@pytest.mark.parametrize(
    "text, code",
    [
        ("Mulțumesc \ud83d", "malformed"),  # a lone surrogate: half of an emoji
        ("bună\x00ziua", "malformed"),
        ("\u200b\u200b", "empty"),
        ("\u200d \u2060\ufeff", "empty"),
        ("   \n\t", "empty"),
        ("", "empty"),
        ("a" * 2001, "too_long"),
        (12, "malformed"),
        (None, "malformed"),
        ("bună\x1bziua", "malformed"),
    ],
)
def test_refused_texts_say_why(text, code):
    with pytest.raises(door.Refused) as refused:
        door.check_text(text)
    assert refused.value.code == code and refused.value.message


@pytest.mark.parametrize(
    "text", ["Bună ziua! 😀", "ș ț Ș Ț ă î â", "rând 1\nrând 2\ttab", "a" * 2000, "مرحبا", "‏שלום"]
)
def test_ordinary_texts_pass_unchanged(text):
    assert door.check_text(text) == text


@pytest.mark.parametrize("sender", ["_archive", "_x", "s" * 65, "a\nb", " ", "", None, 5, "a b", "ș"])
def test_refused_conversation_ids(sender):
    with pytest.raises(door.Refused):
        door.check_conversation_id(sender)


async def test_a_lone_surrogate_from_a_citizen_is_refused_and_the_conversation_goes_on(site):
    """Wave 1: UnicodeEncodeError in the archive, the socket closed with no error frame,
    the widget resent the message forever and every later message was blocked."""
    async with aiohttp.ClientSession() as http:
        citizen, _ = await open_citizen(http, site.ws_base)
        # json.dumps writes the lone surrogate as the escape \ud83d, as a browser would.
        await citizen.ws.send_str(
            json.dumps({"type": "message", "text": "Mulțumesc \ud83d", "client_id": "s1"})
        )
        refused = await citizen.next("error", client_id="s1")
        assert refused["code"] == "malformed" and "emoji" in refused["message"]
        await citizen.send({"type": "message", "text": "Mulțumesc", "client_id": "s2"})
        await citizen.next("ack", client_id="s2")
        await citizen.ws.close()


async def test_a_lone_surrogate_from_a_clerk_is_a_400_not_a_500(site):
    add_clerk(site.service.store, "ana", "Ana Popescu")
    async with aiohttp.ClientSession() as http:
        clerk = await login(site.base, "ana")
        async with clerk:
            await clerk.post(f"{site.base}/console/api/presence", json={"presence": "activ"})
            citizen, cid = await queued_citizen(http, site)
            taken = await clerk.post(f"{site.base}/console/api/conversations/{cid}/takeover")
            assert taken.status == 200, await taken.text()
            resp = await clerk.post(
                f"{site.base}/console/api/conversations/{cid}/message",
                data=json.dumps({"text": "Bună ziua \udc00"}),
                headers={"Content-Type": "application/json"},
            )
            assert resp.status == 400 and "emoji" in (await resp.json())["message"]
        await citizen.ws.close()
