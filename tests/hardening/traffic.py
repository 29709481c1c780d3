"""Citizens chatting with a real server while a test breaks it, as the widget does: each
message has a ``client_id``; a message is sent again, with the same id, until it is
acknowledged; a closed socket is reopened with back-off and the conversation resumed.

After the traffic, :func:`counts` reads the database and the archive: how many messages
were acknowledged, how many of those are missing (lost), stored twice (duplicates), or
still unanswered by the bot — the figures of issue 16's fault tests.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

import aiohttp
import sqlalchemy as sa

from storage import db

TEXTS = (
    "Bună ziua",
    "ce acte trebuie pentru certificatul de urbanism?",
    "cât costă o adeverință fiscală?",
    "mulțumesc",
)
#: What tells the citizen their message will not be answered by the bot.
TOLD_CODES = {"bot_failed", "unavailable", "archive_failed"}


@dataclass
class Citizen:
    number: int
    ws_base: str
    conversation_id: Optional[str] = None
    acked: Set[str] = field(default_factory=set)
    unacked: List[str] = field(default_factory=list)
    told: List[Dict] = field(default_factory=list)
    reconnects: int = 0
    sent: int = 0

    async def _connect(self, http: aiohttp.ClientSession, deadline: float) -> aiohttp.ClientWebSocketResponse:
        delay = 0.2
        while True:
            try:
                ws = await http.ws_connect(f"{self.ws_base}/webhooks/website/ws", timeout=5)
                await ws.send_json({"type": "hello", "conversation_id": self.conversation_id})
                while True:
                    frame = await ws.receive_json(timeout=10)
                    if frame.get("type") == "welcome":
                        self.conversation_id = frame["conversation_id"]
                        return ws
                    if frame.get("type") == "error":
                        raise ConnectionError(frame.get("code"))
            except (aiohttp.ClientError, ConnectionError, asyncio.TimeoutError, TypeError, ValueError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                self.reconnects += 1

    async def _send(self, ws: aiohttp.ClientWebSocketResponse, client_id: str) -> bool:
        """Send one message; True when acknowledged."""
        text = TEXTS[int(client_id.rsplit("-", 1)[1]) % len(TEXTS)]
        await ws.send_json({"type": "message", "text": text, "client_id": client_id})
        self.sent += 1
        while True:
            msg = await ws.receive(timeout=15)
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError("socket closed")
            frame = json.loads(msg.data)
            if frame.get("type") == "error" and frame.get("code") in TOLD_CODES:
                self.told.append(frame)
            if frame.get("client_id") == client_id and frame.get("type") in ("ack", "error"):
                return frame["type"] == "ack"

    async def chat(self, stop: asyncio.Event, pause: float = 0.3, give_up_after: float = 240) -> None:
        """Send messages until ``stop``, then until every one is acknowledged."""
        n = 0
        async with aiohttp.ClientSession() as http:
            ws = await self._connect(http, time.monotonic() + give_up_after)
            while not (stop.is_set() and not self.unacked):
                if not self.unacked:
                    self.unacked.append(f"k{self.number}-{n}")
                    n += 1
                client_id = self.unacked[0]
                try:
                    if await self._send(ws, client_id):
                        self.acked.add(client_id)
                        self.unacked.pop(0)
                    else:
                        await asyncio.sleep(0.5)  # refused (database away): resent later
                except (ConnectionError, asyncio.TimeoutError, aiohttp.ClientError, RuntimeError):
                    await ws.close()
                    ws = await self._connect(http, time.monotonic() + give_up_after)
                await asyncio.sleep(pause)
            await ws.close()


@dataclass
class Counts:
    acked: int
    lost: int
    duplicates: int
    unanswered: int

    def as_dict(self) -> Dict[str, int]:
        return {
            "acked": self.acked,
            "lost": self.lost,
            "duplicates": self.duplicates,
            "unanswered": self.unanswered,
        }


def counts(db_url: str, citizens: List[Citizen]) -> Counts:
    """Lost: acknowledged but not in ``handoff_messages`` or not archived. Duplicates: a
    message stored or archived more than once. Unanswered: not yet answered by the bot
    (``bot_status`` still pending; the re-drive hands it to the bot again 30 s after)."""
    engine = db.make_engine(db_url)
    lost = duplicates = unanswered = acked = 0
    with engine.connect() as conn:
        for citizen in citizens:
            rows = conn.execute(
                sa.text(
                    "SELECT message_id, bot_status FROM handoff_messages"
                    " WHERE conversation_id = :c AND sender = 'citizen'"
                ),
                {"c": citizen.conversation_id},
            ).all()
            stored: Dict[str, List[str]] = {}
            for message_id, status in rows:
                stored.setdefault(message_id, []).append(status)
            archived: Dict[str, int] = {}
            for (key,) in conn.execute(
                sa.text(
                    "SELECT source_key FROM archive_turns WHERE conversation_id = :c AND speaker = 'citizen'"
                ),
                {"c": citizen.conversation_id},
            ):
                archived[key] = archived.get(key, 0) + 1
            acked += len(citizen.acked)
            for client_id in citizen.acked:
                if client_id not in stored or client_id not in archived:
                    lost += 1
                elif stored[client_id] != ["done"]:
                    unanswered += 1
            duplicates += sum(len(v) - 1 for v in stored.values()) + sum(n - 1 for n in archived.values())
    engine.dispose()
    return Counts(acked, lost, duplicates, unanswered)


async def wait_answered(db_url: str, citizens: List[Citizen], seconds: float) -> Counts:
    """:func:`counts` once nothing acknowledged is unanswered, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = await asyncio.to_thread(counts, db_url, citizens)
        if result.unanswered == 0 or time.monotonic() > deadline:
            return result
        await asyncio.sleep(1)
