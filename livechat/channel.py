"""The website channel: the citizens' websocket, as a custom Rasa input channel.

This class serves the live chat alone; :class:`web.site.WebsiteChannel` is the same
channel with every page for people (widget files, demo page, PDFs, console, audit view),
and is the one ``credentials.yml`` names::

    web.site.WebsiteChannel:
      turn_sink: archive.sink.ArchiveTurnSink

Rasa mounts a channel's blueprint at ``/webhooks/<url_prefix>``; the site serves pages
at the root too, so the prefix is ``/`` and each route carries its full path:

=================================  ===================================================
``GET  /webhooks/website/``        health: ``{"status": "ok"}``
``WS   /webhooks/website/ws``      citizen websocket (JSON frames, see README.md)
=================================  ===================================================

While the database is away every route of the site answers 503 and the socket sends an
error frame: nothing is acknowledged that was not stored.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import SlotSet, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.server.websockets.frame import WebsocketFrameAssembler
from websockets.exceptions import ConnectionClosed

import rasa_patches
from archive.turns import BOT_ARCHIVE_METADATA, bot_archive_metadata
from livechat import door
from livechat.buttons import SAFE_URL as _SAFE_URL
from livechat.buttons import clean_buttons
from livechat.errors import HandoffError, database_unavailable
from livechat.lock_store import AsyncRedisLockStore
from livechat.runtime import build_service, housekeeping_loop
from livechat.service import HandoffService
from livechat.settings import MAX_MESSAGE_CHARS, ChannelSettings
from storage import group_commit
from storage.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

CHANNEL_PATH = "/webhooks/website"
# Websocket close code 1013, "try again later".
TRY_AGAIN_LATER = 1013
# Websocket close code 1007, "invalid frame payload data" (a text frame not in UTF-8).
INVALID_PAYLOAD = 1007
# A frame bigger than this cannot hold a valid message (2,000 characters of text).
MAX_FRAME_BYTES = 64 * 1024


# What the widget may get in a bot message; archive metadata may not use these names.
_BOT_DATA_KEYS = ("buttons", "attachment", "image", "custom", "form_id")


def archive_fields(recipient_id: Text, kwargs: Dict[Text, Any]) -> Dict[str, Any]:
    """The archive-only part of a bot message: ``flags`` and ``archive_extra``.

    Rasa passes the keyword arguments an action gave ``utter_message`` beyond text,
    buttons, … to the output channel; ``archive`` (e.g. the flag and department of a
    refused infrastructure question, actions/scope.py) is for the audit archive and is
    never sent to the citizen. Malformed parts are dropped with a warning.
    """
    flags, extra = bot_archive_metadata(
        kwargs.get(BOT_ARCHIVE_METADATA), reserved=_BOT_DATA_KEYS, conversation_id=recipient_id
    )
    return {"flags": flags, "archive_extra": extra}


class WebsiteOutput(OutputChannel):
    """Sends the bot's messages to the citizen's websocket(s), archived and stored first.

    Rasa's answers are queued (``queue_bot_message``): Rasa goes on with its turn while they
    are written, and the citizen sees them in order once stored; a custom payload waits for
    the ones before it."""

    @classmethod
    def name(cls) -> Text:
        return "website"

    def __init__(self, service: HandoffService) -> None:
        self.service = service

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        self.service.queue_bot_message(recipient_id, text, {}, **archive_fields(recipient_id, kwargs))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        self.service.queue_bot_message(
            recipient_id, text or "", {"buttons": clean_buttons(buttons)},
            **archive_fields(recipient_id, kwargs),
        )  # fmt: skip

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self.service.bot_custom(recipient_id, json_message, **archive_fields(recipient_id, kwargs))

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        data: Dict[str, Any] = {}
        if _SAFE_URL.match(str(attachment)):
            data["attachment"] = str(attachment)
        else:
            logger.warning("handoff: attachment %r dropped (not a safe link)", attachment)
            return
        self.service.queue_bot_message(recipient_id, "", data, **archive_fields(recipient_id, kwargs))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        if _SAFE_URL.match(str(image)):
            self.service.queue_bot_message(
                recipient_id, "", {"image": str(image)}, **archive_fields(recipient_id, kwargs)
            )

    async def send_elements(self, recipient_id: Text, elements: List[Dict[Text, Any]], **kwargs: Any) -> None:
        self.service.queue_bot_message(
            recipient_id, "", {"custom": {"elements": elements}}, **archive_fields(recipient_id, kwargs)
        )


class _StrictTextAssembler(WebsocketFrameAssembler):
    """Sanic 21.12's frame assembler, failing the connection with 1007 when a text frame
    is not UTF-8. Sanic's own lets the UnicodeDecodeError escape a task nobody awaits:
    the frame vanished, the socket stayed open, and no close code told the client."""

    __slots__ = ()

    async def put(self, frame: Any) -> None:
        try:
            await super().put(frame)
        except UnicodeDecodeError as error:
            logger.warning(
                "handoff: a text frame that is not UTF-8 (%s); socket closed with 1007", error.reason
            )
            self.protocol.fail_connection(INVALID_PAYLOAD, "invalid UTF-8")


def strict_text(ws: Any) -> None:
    """Make the Sanic websocket ``ws`` close with 1007 on a text frame that is not UTF-8.

    Only this connection's assembler changes class (same slots, so a frame it already
    holds is kept); nothing process-wide is patched."""
    assembler = getattr(ws, "assembler", None)
    if type(assembler) is WebsocketFrameAssembler:
        assembler.__class__ = _StrictTextAssembler
    elif not isinstance(assembler, _StrictTextAssembler):
        logger.warning("handoff: websocket %r has no Sanic 21.12 assembler; UTF-8 is not checked", ws)


def _frame(data: Dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def parse_frame(raw: Any) -> Dict[str, Any]:
    """A citizen's frame as a dict with a string ``type``, or HandoffError("malformed")."""
    if isinstance(raw, bytes):
        raise HandoffError("malformed", "Serverul primește doar mesaje text (JSON).")
    if raw is None or len(raw) > MAX_FRAME_BYTES:
        raise HandoffError(
            "too_long",
            f"Mesajul este prea lung; limita este de {MAX_MESSAGE_CHARS} de caractere.",
            status=413,
        )
    try:
        frame = door.parse_json(raw, max_bytes=MAX_FRAME_BYTES)
    except door.Refused as refused:
        raise HandoffError(refused.code, refused.message, status=refused.status) from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise HandoffError("malformed", "Mesajul primit nu are câmpul „type”; nu a fost trimis.")
    return frame


def _client_id(frame: Dict[str, Any]) -> Optional[str]:
    value = frame.get("client_id")
    return value[:64] if isinstance(value, str) else None


async def citizen_session(service: HandoffService, ws: Any, address: Optional[str] = None) -> None:
    """Serve one citizen websocket until it closes.

    Floods are refused per conversation by the service (``citizen_messages_per_minute``).
    """
    conversation_id: Optional[str] = None
    try:
        while True:
            raw = await ws.recv()
            try:
                frame = parse_frame(raw)
            except HandoffError as error:
                await ws.send(_frame(error.frame()))
                continue
            kind, client_id = frame["type"], _client_id(frame)
            try:
                if kind == "ping":
                    await ws.send(_frame({"type": "pong"}))
                elif kind == "hello":
                    if conversation_id is not None:
                        raise HandoffError("already_started", "Conversația este deja deschisă.")
                    requested = frame.get("conversation_id")
                    try:
                        welcome = await service.open_citizen(
                            requested or None, ws, address, frame.get("browser")
                        )
                    except DatabaseUnavailable:
                        # Told, then closed: the widget reconnects with back-off and
                        # resumes by itself once the database is back.
                        logger.error("handoff: database unavailable; citizen socket closed")
                        await ws.send(_frame(database_unavailable().frame()))
                        await ws.close(code=TRY_AGAIN_LATER)
                        return
                    conversation_id = welcome["conversation_id"]
                    welcome["rating"] = service.rating_info(conversation_id)
                    await ws.send(_frame(welcome))
                elif conversation_id is None:
                    raise HandoffError(
                        "not_started", "Conexiunea nu este încă pregătită; reîncercați imediat."
                    )
                elif kind == "message":
                    message = await service.citizen_message(
                        conversation_id, frame.get("text"), frame.get("payload"), ws, client_id, address
                    )
                    await ws.send(
                        _frame({"type": "ack", "client_id": client_id, "message": message.as_json()})
                    )
                elif kind == "typing":
                    await service.citizen_typing(conversation_id)
                elif kind == "rating":
                    await ws.send(
                        _frame(await service.rate(conversation_id, frame.get("score"), frame.get("comment")))
                    )
                elif kind == "leave_queue":
                    await service.leave_queue(conversation_id)
                else:
                    raise HandoffError("unknown_type", f"Tip de mesaj necunoscut: „{kind[:40]}”.")
            except HandoffError as error:
                await ws.send(_frame(error.frame(client_id=client_id)))
            except DatabaseUnavailable:
                # Nothing was stored, so nothing is acknowledged: the citizen sees the
                # message as not sent, with a retry button.
                logger.error("handoff: database unavailable; a %s frame of %s refused", kind, conversation_id)
                await ws.send(_frame(database_unavailable().frame(client_id=client_id)))
    except ConnectionClosed:
        pass
    finally:
        if conversation_id is not None:
            try:
                await service.close_citizen(conversation_id, ws)
            except DatabaseUnavailable:
                logger.error("handoff: database unavailable while %s left", conversation_id)


class WebsiteChannel(InputChannel):
    """The citizens' live chat on the city hall's website, with clerk takeover."""

    @classmethod
    def name(cls) -> Text:
        return "website"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebsiteChannel":
        rasa_patches.install()  # the project's changes to Rasa, once per process
        return cls(ChannelSettings.from_credentials(credentials))

    def __init__(self, settings: Optional[ChannelSettings] = None) -> None:
        self.settings = settings or ChannelSettings()

    def url_prefix(self) -> Text:
        # Rasa joins this to "/webhooks/": "/" mounts the blueprint at the site root.
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("handoff_website", __name__)
        settings = self.settings

        @bp.listener("before_server_start")
        async def start(app: Any, loop: asyncio.AbstractEventLoop) -> None:
            service = build_service(settings)
            service.attach_bot(
                on_new_message,
                lambda _conversation_id: WebsiteOutput(service),
                parse=lambda text: parse_with_agent(app, text),
                handled=lambda cid, mid: tracker_has_message(app, cid, mid),
                slots=AgentSlots(app),
            )
            app.ctx.handoff = service
            await service.hub.start()
            app.ctx.handoff_housekeeping = loop.create_task(housekeeping_loop(service))
            logger.info("handoff: website channel ready (demo page at /demo, console at /console/)")

        @bp.listener("before_server_stop")
        async def stop(app: Any, loop: asyncio.AbstractEventLoop) -> None:
            task = getattr(app.ctx, "handoff_housekeeping", None)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            service = getattr(app.ctx, "handoff", None)
            if service is not None:
                await service.hub.stop()
                for guard in (service.floods, service.address_floods, service.new_conversations):
                    await guard.close()
                await service.address_pauses.close()
                # The answers marked and the turns archived just now are written before
                # the connections close, not by a thread that outlives them.
                await asyncio.to_thread(group_commit.drain_all)
                service.store.engine.dispose()
            lock_store = getattr(getattr(app.ctx, "agent", None), "lock_store", None)
            if isinstance(lock_store, AsyncRedisLockStore):
                await lock_store.close()  # its subscription and connections end with the server

        @bp.exception(DatabaseUnavailable)
        async def database_away(request: Request, error: Exception) -> HTTPResponse:
            # Every route of the site (console, audit view): a clear 503, never a 500.
            logger.error("handoff: %s %s: %s", request.method, request.path, error)
            refused = database_unavailable()
            return response.json({"error": refused.code, "message": refused.message}, status=refused.status)

        @bp.route(f"{CHANNEL_PATH}/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.websocket(f"{CHANNEL_PATH}/ws")
        async def citizen_socket(request: Request, ws: Any) -> None:
            strict_text(ws)
            await citizen_session(request.app.ctx.handoff, ws, str(request.remote_addr or request.ip))

        return bp


async def parse_with_agent(app: Any, text: str) -> Dict[str, Any]:
    """The NLU result of ``text`` from the model the Rasa server has loaded, without
    touching any tracker (``Agent.parse_message``); ``{}`` while no model is ready."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        logger.warning("handoff: no model loaded yet; a clerk's conversation is not classified")
        return {}
    return await agent.parse_message(text)


async def tracker_has_message(app: Any, conversation_id: str, message_id: str) -> Optional[bool]:
    """Whether Rasa's tracker of ``conversation_id`` has the user message ``message_id``
    (it processed it before the process died); None while no model is loaded."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or not agent.is_ready():
        return None
    tracker = await agent.tracker_store.retrieve(conversation_id)
    if tracker is None:
        return False
    return any(isinstance(event, UserUttered) and event.message_id == message_id for event in tracker.events)


class AgentSlots:
    """Slots of the trackers of the model the Rasa server has loaded (livechat.core.TrackerSlots).

    A slot is set as Rasa's own ``POST /conversations/<id>/tracker/events`` does: under the
    conversation's lock, the tracker fetched, a ``SlotSet`` appended, the tracker saved.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def _agent(self) -> Any:
        agent = getattr(self.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            raise HandoffError(
                "no_assistant", "Asistentul nu este pornit încă. Încercați din nou.", status=503
            )
        return agent

    async def get(self, conversation_id: str, name: str) -> Any:
        tracker = await self._agent().tracker_store.retrieve(conversation_id)
        return None if tracker is None else tracker.get_slot(name)

    async def set(self, conversation_id: str, name: str, value: Any) -> None:
        agent = self._agent()
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.get_tracker(conversation_id)
            tracker.update(SlotSet(name, value))
            await agent.processor.save_tracker(tracker)
