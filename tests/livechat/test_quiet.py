"""The real assistant on the website channel: a run of messages it cannot understand is
answered three times, then left unanswered on purpose — without the "problemă tehnică"
notice the channel sends when the bot stays silent because the action server is down."""

import datetime as dt

import aiohttp
import pytest

from actions.help import GOING_QUIET, REPHRASE, SECOND_FALLBACK
from livechat.protocol import UNAVAILABLE
from tests.livechat.conftest import open_citizen

pytestmark = pytest.mark.integration

NONSENSE = ["qwkzx vbnmp", "zzkq plmw", "xcvbn qqq", "tgbyhn ujmik", "jkl jkl jkl"]


async def test_nonsense_in_a_row_is_answered_three_times_then_quietly(stack, stack_store):
    # No clerk present (earlier tests of the shared stack may have left some active): the
    # second miss then gets the e-mail route, and the conversation stays with the bot.
    now = dt.datetime.now(dt.timezone.utc)
    for clerk in stack_store.list_clerks():
        stack_store.set_presence(clerk.id, UNAVAILABLE, now)
    async with aiohttp.ClientSession() as http:
        citizen, _ = await open_citizen(http, stack.ws_base)
        for number, text in enumerate(NONSENSE):
            await citizen.send({"type": "message", "text": text, "client_id": f"n{number}"})
            await citizen.next("ack", client_id=f"n{number}", timeout=30)
            if number < 3:
                await citizen.next("message", sender="bot", timeout=60)
        # Time for late replies (and for the channel's silence check) to arrive.
        while True:
            try:
                await citizen.next("never", timeout=8)
            except AssertionError:
                break
        await citizen.ws.close()
    bot = [f["text"] for f in citizen.frames if f.get("type") == "message" and f.get("sender") == "bot"]
    assert bot[0] == REPHRASE and bot[1] == SECOND_FALLBACK
    assert bot[-1] == GOING_QUIET and len(bot) == 4  # the second miss: also the hours and e-mail
    assert not any("probleme tehnice" in (f.get("text") or "") for f in citizen.frames)
