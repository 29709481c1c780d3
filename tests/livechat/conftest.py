"""Fixtures of the handoff tests: databases, schedules, an in-process website channel.

The in-process site is a real Sanic server on a free port with the website channel
registered exactly as Rasa registers channels, and a small stand-in for the Rasa agent
(echo, plus ``/request_human`` sending the payload the real action sends).
The tests under test_integration.py and test_browser.py use the real Rasa server instead.
"""

import asyncio
import datetime as dt
import os
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Tuple, Union
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import sqlalchemy as sa

from livechat.store import HandoffStore
from storage import db
from tests.ports import free_port

ALWAYS_OPEN = """\
weekly: {monday: ['00:00-24:00'], tuesday: ['00:00-24:00'], wednesday: ['00:00-24:00'],
         thursday: ['00:00-24:00'], friday: ['00:00-24:00'], saturday: ['00:00-24:00'],
         sunday: ['00:00-24:00']}
public_holidays: null
"""


def closed_now_schedule() -> "tuple[str, str]":
    """A schedule closed today and tomorrow (open only three days from now, 08:00-16:30),
    and the Romanian name of that day."""
    from livechat.schedule import WEEKDAYS, WEEKDAYS_RO

    today = dt.datetime.now(ZoneInfo("Europe/Bucharest")).weekday()
    day = (today + 3) % 7
    return f"weekly: {{{WEEKDAYS[day]}: ['08:00-16:30']}}\npublic_holidays: null\n", WEEKDAYS_RO[day]


PASSWORD = "parola-de-test-1"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'livechat.tables'}"


@pytest.fixture
def store(db_url: str) -> Iterator[HandoffStore]:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    yield HandoffStore(engine)
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL schema of its own (dropped afterwards) in the test database."""
    base = os.environ.get("HANDOFF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        admin = sa.create_engine(base, future=True)
        with admin.begin() as connection:
            schema = f"handoff_test_{uuid.uuid4().hex[:10]}"
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {base}: {error.orig}")
    url = f"{base}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, db_url: str) -> Iterator[HandoffStore]:
    """The store on SQLite, then on PostgreSQL (a schema of its own): a test of both."""
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    db.upgrade(url)
    engine = db.make_engine(url)
    yield HandoffStore(engine)
    engine.dispose()


@pytest.fixture
def schedule_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An always-open schedule, in force for this test (rewrite it to close)."""
    path = tmp_path / "schedule.yml"
    path.write_text(ALWAYS_OPEN)
    monkeypatch.setenv("HANDOFF_SCHEDULE", str(path))
    return path


def set_schedule(path: Path, text: str) -> None:
    """Rewrite a schedule file so that its change is seen (mtime moves forward)."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


INFRASTRUCTURE_WORDS = ("groap", "gropi", "asfalt", "canalizare", "iluminat")
PAUSE_TEXT = "/test_pause"
THREE_ANSWERS_TEXT = "trei răspunsuri, te rog"


class NoTrackers:
    """The fake agent's tracker store: it keeps no tracker, so it has seen no message."""

    async def retrieve(self, conversation_id: str) -> None:
        return None


class FakeAgent:
    """Stands in for rasa.core.agent.Agent: echoes, asks for a person on ``/request_human``, sends the
    pause request of the insult ladder on ``/test_pause``, and has a keyword NLU."""

    #: Texts the bot never finishes answering (the process "dies" mid-answer).
    hang_on: "set[str]" = set()
    #: Texts the bot handles without sending anything (Rasa with its action server down).
    silent_on: "set[str]" = set()
    #: Texts after whose first answer the bot goes on working a while (seconds), as Rasa
    #: does sending the rest of an answer and saving the tracker.
    slow_on: "dict[str, float]" = {}

    def __init__(self) -> None:
        self.received: List[str] = []
        # (text, "start" | "end") in the order the agent saw them.
        self.handling: List[Any] = []
        self.parsed: List[str] = []
        self.tracker_store = NoTrackers()

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text: str) -> Dict[str, Any]:
        self.parsed.append(text)
        infrastructure = any(word in text.lower() for word in INFRASTRUCTURE_WORDS)
        intent = "out_of_scope_infrastructure" if infrastructure else "greet"
        return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
                "intent_ranking": [{"name": intent, "confidence": 0.9}]}  # fmt: skip

    async def handle_message(self, message: Any) -> None:
        self.received.append(message.text)
        self.handling.append((message.text, "start"))
        try:
            await self._handle(message)
        finally:
            self.handling.append((message.text, "end"))

    async def _handle(self, message: Any) -> None:
        from livechat.protocol import request_payload

        out = message.output_channel
        if message.text in FakeAgent.hang_on:
            await asyncio.Event().wait()  # until the server stops and cancels it
        if message.text in FakeAgent.silent_on:
            return
        if message.text == PAUSE_TEXT:
            await out.send_text_message(message.sender_id, "Conversația este suspendată.")
            await out.send_custom_json(
                message.sender_id,
                {"handoff": {"action": "pause", "minutes": 15, "reason": "insult",
                             "flag": "limbaj_jignitor"}},
            )  # fmt: skip
            return
        if message.text == THREE_ANSWERS_TEXT:  # an answer in three messages, then a person
            for n in (1, 2, 3):
                await out.send_text_message(message.sender_id, f"Partea {n}")
            await out.send_custom_json(message.sender_id, request_payload(None, None))
            return
        if message.text == "/request_human":
            # What action_request_human sends on the website channel.
            await out.send_custom_json(message.sender_id, request_payload("certificat_urbanism", None))
            return
        await out.send_text_with_buttons(
            message.sender_id,
            f"Ecou: {message.text}",
            [{"title": "PDF", "type": "web_url", "url": "/formulare/petitie.pdf"},
             {"title": "Rău", "type": "web_url", "url": "javascript:alert(1)"},
             {"title": "Program", "payload": "/ask_schedule"}],
        )  # fmt: skip
        if message.text in FakeAgent.slow_on:
            await asyncio.sleep(FakeAgent.slow_on[message.text])


class Site:
    def __init__(self, base: str, app: Any, agent: FakeAgent) -> None:
        self.base = base
        self.ws_base = base.replace("http", "ws", 1)
        self.app = app
        self.agent = agent

    @property
    def service(self) -> Any:
        return self.app.ctx.handoff


@asynccontextmanager
async def running_site(credentials: Dict[str, Any]) -> AsyncIterator[Site]:
    """A Sanic server with the website channel, registered as Rasa registers channels."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    from web.site import WebsiteChannel

    Sanic.test_mode = True
    app = Sanic(f"handoff_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    agent = FakeAgent()
    app.ctx.agent = agent
    channel = WebsiteChannel.from_credentials(credentials)
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield Site(f"http://127.0.0.1:{port}", app, agent)
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


@pytest.fixture
async def site(db_url: str, schedule_file: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HANDOFF_CLERK_GRACE_SECONDS", "60")
    async with running_site({"housekeeping_seconds": 0.2, "session_ttl_minutes": 10}) as running:
        yield running


def add_clerk(store: HandoffStore, username: str, name: str) -> Any:
    return store.create_clerk(username, name, PASSWORD)


async def login(base: str, username: str) -> aiohttp.ClientSession:
    """A client session logged in to the console as ``username``."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    resp = await session.post(f"{base}/console/login", json={"username": username, "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return session


class Citizen:
    """A citizen's websocket speaking the widget's protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: List[Dict[str, Any]] = []

    async def send(self, frame: Dict[str, Any]) -> None:
        await self.ws.send_json(frame)

    async def next(
        self, kind: Union[str, Tuple[str, ...]], timeout: float = 10, **match: Any
    ) -> Dict[str, Any]:
        """The next frame of type ``kind`` (or of one of these types; matching ``match``),
        skipping others."""
        kinds = (kind,) if isinstance(kind, str) else kind
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {kind} frame {match} within {timeout}s; got {self.frames[-5:]}")
            try:
                msg = await self.ws.receive(timeout=remaining)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"no {kind} frame {match} within {timeout}s; last frames: {self.frames[-6:]}"
                ) from None
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket closed while waiting for {kind}: {msg}")
            frame = msg.json()
            self.frames.append(frame)
            if frame.get("type") in kinds and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def reply_to(self, client_id: str, timeout: float = 10) -> Dict[str, Any]:
        """The server's answer to the message sent as ``client_id``: its ack or its error."""
        return await self.next(("ack", "error"), timeout, client_id=client_id)


async def open_citizen(
    session: aiohttp.ClientSession, ws_base: str, conversation_id: Any = None
) -> "tuple[Citizen, Dict[str, Any]]":
    ws = await session.ws_connect(f"{ws_base}/webhooks/website/ws")
    citizen = Citizen(ws)
    await citizen.send({"type": "hello", "conversation_id": conversation_id})
    welcome = await citizen.next("welcome")
    return citizen, welcome


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The real Rasa server and action server (see tests/livechat/stack.py)."""
    from tests.livechat.stack import Stack, model_missing_reason

    reason = model_missing_reason()
    if reason:
        pytest.skip(reason)
    running = Stack(tmp_path_factory.mktemp("stack"))
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stack_store(stack: Any) -> Iterator[HandoffStore]:
    engine = db.make_engine(stack.db_url)
    yield HandoffStore(engine)
    engine.dispose()


class FailingSink:
    """A turn sink that refuses every turn while ``FailingSink.failing`` is true."""

    failing = False
    recorded: List[Any] = []

    async def record(self, turn: Any) -> None:
        from livechat.archive import ArchiveError

        if FailingSink.failing:
            raise ArchiveError("disk full (test)")
        FailingSink.recorded.append(turn)
