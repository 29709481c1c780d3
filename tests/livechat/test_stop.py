"""The server stopping finishes the writes it has begun and leaves no connection open.

Found by CI (2026-12-02): a test's schema could not be dropped — PostgreSQL reported a
deadlock between ``DROP SCHEMA`` and a write of the server that had already stopped. The
bot's last answers were marked in the database by the group commit's writing thread after
the server's stop had disposed of the engine, on a connection the stop did not wait for: a
mark lost that way is a message answered again after a restart.
"""

import time
import uuid

import aiohttp
import pytest
import sqlalchemy as sa

from livechat.store import HandoffStore
from tests.livechat.conftest import open_citizen, running_site

ARCHIVED = {"housekeeping_seconds": 0.2, "turn_sink": "archive.sink.ArchiveTurnSink"}
MESSAGES = 8


@pytest.mark.postgres
async def test_stopping_writes_every_answer_mark_and_leaves_no_connection(pg_url, schedule_file, monkeypatch):
    name = f"e-functionar-stop-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("EF_DB_APPLICATION_NAME", name)
    mark = HandoffStore._mark_answered

    def slow_mark(store, row_ids):  # a slow commit, as on a loaded database server
        time.sleep(0.3)
        return mark(store, row_ids)

    monkeypatch.setattr(HandoffStore, "_mark_answered", slow_mark)
    async with running_site(ARCHIVED) as site, aiohttp.ClientSession() as http:
        citizen, welcome = await open_citizen(http, site.ws_base)
        for n in range(MESSAGES):
            await citizen.send({"type": "message", "text": f"mesajul {n}", "client_id": f"m{n}"})
            await citizen.next("ack", client_id=f"m{n}")
        await citizen.next("message", sender="bot", text=f"Ecou: mesajul {MESSAGES - 1}")
        replies = [f["text"] for f in citizen.frames if f.get("sender") == "bot"]
        assert replies == [f"Ecou: mesajul {n}" for n in range(MESSAGES)]
        await citizen.ws.close()
    # The last reply was sent before its message was marked answered: the stop came now.
    admin = sa.create_engine(pg_url, future=True)
    try:
        with admin.connect() as conn:
            left_open = conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": name},
            ).scalar_one()
            statuses = conn.execute(
                sa.text(
                    "SELECT bot_status, count(*) FROM handoff_messages"
                    " WHERE conversation_id = :cid AND sender = 'citizen' GROUP BY bot_status"
                ),
                {"cid": welcome["conversation_id"]},
            ).all()
    finally:
        admin.dispose()
    assert left_open == 0
    assert dict(statuses) == {"done": MESSAGES}
