"""The story test of issue 17: a citizen's conversation with the real assistant (trained
model, action server, website channel, archive) ends with a rating.

The rating is not a Rasa intent: it travels on the citizen's websocket as a ``rating``
frame, which the channel checks and archives (livechat/ratings.py); Rasa never sees it.
So the story is run end to end on the real stack rather than with ``rasa test``: the bot
answers a procedure question from the catalog, the citizen thanks it, rates the
conversation, and the archive holds the rating after the bot's answers, attributed to
the bot — counted here with SQL on the archive's own table.
"""

import json

import aiohttp
import pytest
import sqlalchemy as sa

from storage import db
from tests.livechat.conftest import open_citizen

pytestmark = pytest.mark.integration


async def test_a_story_with_the_real_assistant_ends_with_a_rating(stack):
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, stack.ws_base)
        cid = welcome["conversation_id"]
        assert welcome["rating"] == {"done": False, "idle_seconds": 120}
        await citizen.send(
            {"type": "message", "text": "cat costa certificatul de urbanism?", "client_id": "q1"}
        )
        answer = await citizen.next("message", sender="bot", timeout=60)
        assert answer["text"]
        await citizen.send({"type": "message", "text": "multumesc, la revedere", "client_id": "q2"})
        await citizen.next("ack", client_id="q2")
        await citizen.next("message", sender="bot", timeout=60)
        await citizen.send(
            {"type": "rating", "score": 5, "comment": "Răspuns clar, mulțumesc.", "client_id": "rating"}
        )
        rated = await citizen.next("rated", timeout=20)
        assert rated["score"] == 5 and rated["rated"] == "bot"
        await citizen.ws.close()

    engine = db.make_engine(stack.db_url)
    try:
        with engine.connect() as conn:
            turns = conn.execute(
                sa.text(
                    "SELECT speaker, event, clerk_id, text, extra FROM archive_turns "
                    "WHERE conversation_id = :c ORDER BY turn_no"
                ),
                {"c": cid},
            ).all()
    finally:
        engine.dispose()
    speakers = [t.speaker for t in turns]
    assert speakers.count("citizen") == 2 and "bot" in speakers
    last = turns[-1]
    assert (last.speaker, last.event, last.clerk_id) == ("system", "rating", None)
    assert json.loads(last.extra) == {"score": 5, "rated": "bot", "comment": True}
    assert "5 din 5" in last.text and "Răspuns clar" in last.text
    assert max(i for i, t in enumerate(turns) if t.speaker == "bot") < len(turns) - 1
