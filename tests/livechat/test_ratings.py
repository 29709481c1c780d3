"""The citizen's rating of a finished conversation, through the real citizen websocket
(livechat/ratings.py, door.check_rating), on SQLite and, where it matters, PostgreSQL."""

import aiohttp
import pytest
import sqlalchemy as sa

from livechat import door
from tests.livechat.conftest import FailingSink, add_clerk, open_citizen, running_site


@pytest.fixture
async def rating_site(db_url, schedule_file, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HANDOFF_CLERK_GRACE_SECONDS", "60")
    FailingSink.failing = False
    FailingSink.recorded = []
    async with running_site(
        {"housekeeping_seconds": 0.2, "turn_sink": "tests.livechat.conftest.FailingSink"}
    ) as site:
        yield site


def _rows(site, conversation_id):
    with site.service.store.engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT score, rated, clerk_id FROM handoff_ratings WHERE conversation_id = :c"),
            {"c": conversation_id},
        ).all()


def _rating_turns(conversation_id):
    return [t for t in FailingSink.recorded if t.conversation_id == conversation_id and t.event == "rating"]


async def _talk_to_bot(citizen, text="Bună ziua"):
    await citizen.send({"type": "message", "text": text, "client_id": "m1"})
    await citizen.next("message", sender="bot")


@pytest.mark.parametrize("score", [0, 6, -1, "5", 3.5, True, None, [4]], ids=lambda s: f"score={s!r}")
def test_the_door_refuses_what_is_not_a_whole_score_from_1_to_5(score):
    with pytest.raises(door.Refused) as refused:
        door.check_rating(score, None)
    assert refused.value.code == "bad_rating"
    assert "de la 1 la 5" in refused.value.message


def test_the_door_keeps_a_comment_and_drops_an_empty_one():
    assert door.check_rating(4, "  \u200b ") == (4, None)
    assert door.check_rating(1, "Nu am primit răspuns.") == (1, "Nu am primit răspuns.")
    with pytest.raises(door.Refused) as refused:
        door.check_rating(3, "x" * 501)
    assert refused.value.code == "too_long"


async def test_a_bot_conversation_is_rated_once_and_archived_for_the_bot(rating_site):
    site = rating_site
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        assert welcome["rating"] == {"done": False, "idle_seconds": 120}
        # Nothing answered yet: nothing to rate.
        await citizen.send({"type": "rating", "score": 5, "client_id": "rating"})
        error = await citizen.next("error", client_id="rating")
        assert error["code"] == "nothing_to_rate"
        await _talk_to_bot(citizen)
        for bad in (0, 6, "patru"):
            await citizen.send({"type": "rating", "score": bad, "client_id": "rating"})
            error = await citizen.next("error", client_id="rating")
            assert error["code"] == "bad_rating" and "de la 1 la 5" in error["message"]
        assert _rows(site, cid) == [] and _rating_turns(cid) == []

        await citizen.send(
            {"type": "rating", "score": 2, "comment": "Nu am găsit taxa.", "client_id": "rating"}
        )
        rated = await citizen.next("rated")
        assert rated["score"] == 2 and rated["rated"] == "bot" and "mulțumim" in rated["message"]
        await citizen.send({"type": "rating", "score": 5, "client_id": "rating"})
        again = await citizen.next("error", client_id="rating")
        assert again["code"] == "already_rated"
        await citizen.ws.close()

        _, welcome = await open_citizen(http, site.ws_base, cid)
        assert welcome["rating"]["done"] is True
    assert _rows(site, cid) == [(2, "bot", None)]
    (turn,) = _rating_turns(cid)
    assert turn.speaker == "system" and turn.clerk_id is None
    assert turn.extra == {"score": 2, "rated": "bot", "comment": True}
    assert turn.flags == ("rating_low",)
    assert "2 din 5" in turn.text and "Nu am găsit taxa." in turn.text


async def test_a_conversation_a_clerk_closed_is_rated_for_that_clerk_and_not_while_it_is_open(rating_site):
    site = rating_site
    service = site.service
    ana = await service.set_presence(add_clerk(service.store, "ana.popescu", "Ana Popescu"), "activ")
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        await _talk_to_bot(citizen)
        assert await service.enqueue(cid, "certificat_urbanism", None)
        await service.takeover(ana, cid)
        await service.clerk_message(ana, cid, "Bună ziua, vă ajut eu.")
        await citizen.send({"type": "rating", "score": 4, "client_id": "rating"})
        error = await citizen.next("error", client_id="rating")
        assert error["code"] == "not_finished"
        await service.close(ana, cid)
        await citizen.next("state", state="closed")
        await citizen.send({"type": "rating", "score": 4, "client_id": "rating"})
        rated = await citizen.next("rated")
        assert rated["rated"] == "clerk"
        await citizen.ws.close()
    assert _rows(site, cid) == [(4, "clerk", ana.id)]
    (turn,) = _rating_turns(cid)
    assert turn.clerk_id == "ana.popescu" and turn.flags == ()
    assert turn.extra == {"score": 4, "rated": "clerk", "comment": False}


async def test_a_rating_the_archive_refuses_is_not_kept_and_the_citizen_is_told(rating_site):
    site = rating_site
    async with aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        cid = welcome["conversation_id"]
        await _talk_to_bot(citizen)
        FailingSink.failing = True
        await citizen.send({"type": "rating", "score": 3, "client_id": "rating"})
        error = await citizen.next("error", client_id="rating")
        assert error["code"] == "archive_failed" and "nu a fost înregistrată" in error["message"]
        assert _rows(site, cid) == []
        FailingSink.failing = False
        await citizen.send({"type": "rating", "score": 3, "client_id": "rating"})
        assert (await citizen.next("rated"))["score"] == 3
        await citizen.ws.close()
    assert _rows(site, cid) == [(3, "bot", None)]


async def test_a_rating_for_an_unknown_conversation_is_refused(rating_site):
    from livechat.errors import HandoffError

    with pytest.raises(HandoffError) as refused:
        await rating_site.service.rate("nu-exista-42", 5)
    assert refused.value.code == "unknown_conversation"
    with rating_site.service.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM handoff_ratings")).scalar() == 0
