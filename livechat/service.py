"""The live chat's behaviour: citizens, the bot, clerks and the queue, on top of the store.

One :class:`HandoffService` lives on ``app.ctx.handoff`` of the Rasa server (created in a
``before_server_start`` listener of the website channel). The channel's websocket and the
console's routes call it; it changes state in the database through
:class:`~livechat.store.HandoffStore`, archives every turn through the
:class:`~livechat.archive.TurnSink` before acknowledging or delivering it, and pushes
frames to the sockets of this process through :class:`~livechat.hub.Hub`.
"""

import asyncio
import datetime as dt
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Set
from zoneinfo import ZoneInfo

from livechat import archive, door
from livechat.archive import ArchiveError, Turn, TurnSink
from livechat.tables import (
    ACTIVE,
    BOT,
    CITIZEN,
    CLERK,
    CLOSED,
    FLAG_REASONS,
    PRESENCES,
    QUEUED,
    SYSTEM,
    utcnow,
)
from livechat.decision import (
    closing_text,
    decide_for,
    mail_button,
    registratura_email,
    schedule_broken_text,
    unavailable_text,
    wait_estimate_minutes,
)
from livechat.hub import Hub
from livechat.limits import FloodGuard
from livechat.protocol import PAUSE_ACTION, REQUEST_ACTION
from livechat.schedule import Schedule, ScheduleError, current_schedule
from livechat.settings import MAX_MESSAGE_CHARS, ChannelSettings, clerk_grace
from livechat.store import Clerk, Conversation, HandoffStore, Message
from storage.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

BOT_NAME = "Asistentul virtual"
SYSTEM_NAME = "e-funcționar"
RECORDING_NOTICE = (
    "Conversația este înregistrată și păstrată în arhiva Primăriei Orașului Măgurele. "
    "Nu scrieți date personale (CNP, date bancare) decât dacă un funcționar vi le cere."
)
HISTORY_LIMIT = 200
LOCAL_TZ = ZoneInfo("Europe/Bucharest")
# A pause request longer than a day is a bug in whoever sent it.
MAX_PAUSE_MINUTES = 24 * 60
MAX_FLAG_NOTE_CHARS = 500
_SNAKE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PAUSED_NOTICE = (
    "Conversația este suspendată până la ora {time}. Mesajul dumneavoastră a fost salvat, "
    "dar nu primește răspuns până atunci. Între timp ne puteți scrie la {email}."
)
FLOOD_NOTICE = (
    "Vă rugăm să așteptați: ați trimis mai mult de {limit} într-un minut. Acest "
    "mesaj nu a fost trimis; îl puteți retrimite peste {seconds}."
)


def count_text(count: int, one: str, many: str) -> str:
    """A Romanian count: ``one`` for 1 ("o secundă"), "5 secunde", "20 de secunde"."""
    if count == 1:
        return one
    if count % 100 == 0 or count % 100 >= 20:
        return f"{count} de {many}"
    return f"{count} {many}"
QUEUE_PREVIEW_LIMIT = 50
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

INTENT_TOPICS = {
    "request_human": "A cerut un funcționar",
    "nlu_fallback": "Asistentul nu a înțeles întrebarea",
    "out_of_scope": "Întrebare în afara procedurilor",
    "ask_schedule": "Program",
    "ask_contact": "Contact",
    "ask_location": "Adresă",
}


class HandoffError(Exception):
    """A request that cannot be carried out; nothing was changed.

    Attributes:
        code: stable machine-readable reason (``too_long``, ``already_taken``, …).
        message: what the citizen or clerk reads, in Romanian.
        status: the HTTP status for the console API.
    """

    def __init__(self, code: str, message: str, status: int = 400, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def frame(self, **extra: Any) -> Dict[str, Any]:
        return {"type": "error", "code": self.code, "message": self.message, **self.details, **extra}


def database_unavailable() -> HandoffError:
    """What the citizen or clerk reads while the database is away: nothing was stored."""
    return HandoffError(
        "unavailable",
        "Mesajul nu a putut fi salvat acum, de aceea nu a fost trimis. Încercați din nou "
        "peste câteva momente.",
        status=503,
    )


def local_time(moment: dt.datetime) -> str:
    """``HH:MM`` in Europe/Bucharest."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


def check_text(text: Any) -> str:
    """A message a citizen or clerk may send (:func:`livechat.door.check_text`)."""
    try:
        return door.check_text(text)
    except door.Refused as refused:
        raise HandoffError(refused.code, refused.message, status=refused.status) from None


def check_flag(flag: Any, note: Any) -> "tuple[Optional[str], Optional[str]]":
    """A clerk's reason for flagging: a FLAG_REASONS key (or none) and an optional note,
    required for ``altul``."""
    if flag in (None, ""):
        if note not in (None, ""):
            raise HandoffError("bad_flag", "Alegeți și motivul semnalării, nu doar nota.")
        return None, None
    if not isinstance(flag, str) or flag not in FLAG_REASONS:
        raise HandoffError(
            "bad_flag",
            "Motivul semnalării poate fi: "
            + ", ".join(f"„{label}”" for label in FLAG_REASONS.values()) + ".",
        )
    if note is not None and not isinstance(note, str):
        raise HandoffError("bad_flag", "Nota trebuie să fie text.")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_FLAG_NOTE_CHARS:
        raise HandoffError(
            "too_long", f"Nota are {len(note)} de caractere; limita este de {MAX_FLAG_NOTE_CHARS}.",
            status=413,
        )  # fmt: skip
    if flag == "altul" and note is None:
        raise HandoffError("note_required", "Pentru „alt motiv” scrieți pe scurt motivul.")
    return flag, note


def check_conversation_id(conversation_id: Any) -> str:
    if not isinstance(conversation_id, str) or not _CONVERSATION_ID.match(conversation_id):
        raise HandoffError(
            "unknown_conversation",
            "Conversația cerută nu există. Începeți o conversație nouă.",
            status=404,
        )
    return conversation_id


def _link(button: Dict[str, str]) -> Dict[str, str]:
    """A link button as the widget shows it (see ``livechat.channel.clean_buttons``)."""
    return {"title": button["title"], "url": button["url"]}


OnNewMessage = Callable[[Any], Awaitable[Any]]
OutputFactory = Callable[[str], Any]
# The loaded model's NLU alone: text -> parse data (Agent.parse_message).
Parser = Callable[[str], Awaitable[Dict[str, Any]]]
# Whether Rasa's tracker of a conversation has a message id; None while no model is loaded.
Handled = Callable[[str, str], Awaitable[Optional[bool]]]
# A message handed to the bot and not answered this long after is handed again.
REDRIVE_AFTER = dt.timedelta(seconds=30)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class HandoffService:
    def __init__(
        self,
        store: HandoffStore,
        settings: ChannelSettings,
        sink: TurnSink,
        hub: Optional[Hub] = None,
        clock: Callable[[], dt.datetime] = utcnow,
        schedule: Callable[[], Schedule] = current_schedule,
    ) -> None:
        self.store = store
        self.settings = settings
        self.sink = sink
        self.hub = hub or Hub()
        self.clock = clock
        self.schedule = schedule
        self.on_new_message: Optional[OnNewMessage] = None
        self.output_for: Optional[OutputFactory] = None
        self.parse: Optional[Parser] = None
        self.handled: Optional[Handled] = None
        # Ids of the messages this process is handing to the bot right now.
        self._in_flight: Set[int] = set()
        self.floods = FloodGuard(settings.citizen_messages_per_minute)
        self._tasks: Set["asyncio.Task[Any]"] = set()

    # -- helpers ------------------------------------------------------------------------

    def attach_bot(
        self,
        on_new_message: OnNewMessage,
        output_for: OutputFactory,
        parse: Optional[Parser] = None,
        handled: Optional[Handled] = None,
    ) -> None:
        """Where citizen messages go while the bot has the conversation, the NLU that
        classifies them while a clerk has it (for the redirect hints), and how to tell
        whether Rasa already has a message (before handing it again after a restart)."""
        self.on_new_message = on_new_message
        self.output_for = output_for
        self.parse = parse
        self.handled = handled

    async def _archive(self, turn: Turn) -> None:
        try:
            await self.sink.record(turn)
        except ArchiveError as error:
            logger.error(
                "handoff: archiving a %s turn of conversation %s failed: %s",
                turn.speaker, turn.conversation_id, error,
            )  # fmt: skip
            raise HandoffError(
                "archive_failed",
                "Mesajul nu a putut fi salvat în arhivă, de aceea nu a fost trimis. "
                "Încercați din nou peste câteva momente.",
                status=503,
            ) from None

    def _form_title(self, form_id: Optional[str]) -> Optional[str]:
        if not form_id:
            return None
        from forms_catalog import load_catalog

        form = load_catalog().forms.get(form_id)
        return form.title if form else None

    def topic_label(self, form_id: Optional[str], intent: Optional[str]) -> Optional[str]:
        title = self._form_title(form_id)
        if title:
            return title
        if intent and intent.startswith("ask_procedure"):
            return "Întrebare despre o procedură"
        return INTENT_TOPICS.get(intent or "")

    def _conversation(self, conversation_id: str) -> Conversation:
        conversation = self.store.conversation(check_conversation_id(conversation_id))
        if conversation is None:
            raise HandoffError(
                "unknown_conversation",
                "Conversația cerută nu există. Începeți o conversație nouă.",
                status=404,
            )
        return conversation

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _system(
        self,
        conversation_id: str,
        event: str,
        text: str,
        clerk: Optional[Clerk] = None,
        extra: Optional[Dict[str, Any]] = None,
        flags: Sequence[str] = (),
    ) -> Message:
        """A system message the citizen reads, archived as a system turn."""
        turn = Turn(
            conversation_id, SYSTEM, text, event=event,
            clerk_id=clerk.username if clerk else None, extra=dict(extra or {}),
            flags=tuple(flags),
        )  # fmt: skip
        try:
            await self.sink.record(turn)
        except ArchiveError as error:
            # The state change it reports has already happened and is kept in the
            # handoff tables; the citizen must still be told.
            logger.error(
                "handoff: archiving system event %s of conversation %s failed: %s",
                event, conversation_id, error,
            )  # fmt: skip
        message = self.store.add_message(
            conversation_id, SYSTEM, text, self.clock(), data=extra, author=SYSTEM_NAME
        )
        await self.hub.to_citizen(conversation_id, message.as_json())
        return message

    async def _to_consoles(self, conversation: Conversation, frame: Dict[str, Any]) -> None:
        """A frame about ``conversation`` to whoever watches it: its clerk, or all if queued."""
        if conversation.state == CLERK and conversation.clerk_id is not None:
            await self.hub.to_clerk(conversation.clerk_id, frame)
        elif conversation.state == QUEUED:
            await self.hub.to_clerks(frame)

    def state_frame(self, conversation: Conversation) -> Dict[str, Any]:
        frame: Dict[str, Any] = {"type": "state", "state": conversation.state}
        if conversation.state == CLERK and conversation.clerk_id is not None:
            clerk = self.store.clerk(conversation.clerk_id)
            frame["clerk"] = clerk.display_name if clerk else None
        if conversation.state == QUEUED:
            frame["queue"] = self.queue_info(conversation.id)
        frame["pause"] = self.pause_info(conversation)
        return frame

    def pause_info(self, conversation: Conversation) -> Optional[Dict[str, Any]]:
        """Until when the conversation is paused (with the notice), or None."""
        if not conversation.paused_at(self.clock()):
            return None
        assert conversation.paused_until is not None
        return {
            "until": conversation.paused_until.isoformat(),
            "until_local": local_time(conversation.paused_until),
            "message": PAUSED_NOTICE.format(
                time=local_time(conversation.paused_until), email=registratura_email()
            ),
        }

    def queue_info(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        queue = self.store.queue()
        ids = [conversation.id for conversation in queue]
        if conversation_id not in ids:
            return None
        active = len(self.store.active_clerks(self.clock(), clerk_grace()))
        position = ids.index(conversation_id) + 1
        return {
            "position": position,
            "estimate_minutes": wait_estimate_minutes(
                position, active, self.schedule().minutes_per_conversation
            ),
            "active_clerks": active,
        }

    # -- citizen ------------------------------------------------------------------------

    async def open_citizen(self, conversation_id: Optional[str], ws: Any) -> Dict[str, Any]:
        """Start or resume a conversation on ``ws``; the welcome frame carries the history."""
        now = self.clock()
        if conversation_id is None:
            conversation = self.store.create_conversation(now)
        else:
            conversation = self._conversation(conversation_id)
            self.store.citizen_seen(conversation.id, now)
        self.hub.add_citizen(conversation.id, ws)
        history = [
            m.as_json()
            for m in self.store.transcript(conversation.id, HISTORY_LIMIT)
            if not m.clerk_only
        ]
        welcome = {
            "type": "welcome",
            "conversation_id": conversation.id,
            "history": history,
            "notice": RECORDING_NOTICE,
            "max_chars": MAX_MESSAGE_CHARS,
            **{k: v for k, v in self.state_frame(conversation).items() if k != "type"},
        }
        if conversation.state in (QUEUED, CLERK):
            await self._to_consoles(
                conversation, {"type": "citizen", "conversation_id": conversation.id, "online": True}
            )
        return welcome

    async def close_citizen(self, conversation_id: str, ws: Any) -> None:
        self.hub.remove_citizen(conversation_id, ws)
        if self.hub.citizen_online(conversation_id):
            return
        conversation = self.store.conversation(conversation_id)
        if conversation is not None:
            self.store.citizen_seen(conversation_id, self.clock())
            if conversation.state in (QUEUED, CLERK):
                await self._to_consoles(
                    conversation,
                    {"type": "citizen", "conversation_id": conversation_id, "online": False},
                )

    async def citizen_message(
        self,
        conversation_id: str,
        text: Any,
        payload: Any = None,
        ws: Any = None,
        client_id: Optional[str] = None,
    ) -> Message:
        """Archive and store what the citizen wrote, then route it to the bot or the clerk.

        ``client_id`` is the widget's id of the message, kept when it resends it after a
        reconnect: a message already stored under it is acknowledged again and not
        stored, archived or answered a second time.

        Returns the stored message (the caller acknowledges it). Raises HandoffError,
        having changed nothing, for bad input or when the turn cannot be archived.
        """
        text = check_text(text)
        if payload is not None:
            if not isinstance(payload, str) or not payload.strip() or len(payload) > 1000:
                raise HandoffError("malformed", "Butonul trimis nu este valid.")
        conversation = self._conversation(conversation_id)
        message_id = client_id if client_id and _CLIENT_ID.match(client_id) else uuid.uuid4().hex
        earlier = self.store.message_by_message_id(conversation.id, message_id)
        if earlier is not None:
            return earlier  # a resend after a reconnect: stored once
        await self._check_flood(conversation.id)
        data = {"payload": payload} if payload else None
        paused = conversation.state in (BOT, CLOSED) and conversation.paused_at(self.clock())
        archived = dict(data or {})
        if paused:
            archived["unanswered"] = "paused"
        await self._archive(
            Turn(conversation.id, CITIZEN, text, source_key=message_id, extra=archived)
        )
        now = self.clock()
        if conversation.state == CLOSED:
            self.store.reopen(conversation.id, now)
        to_bot = conversation.state in (BOT, CLOSED) and not paused
        message, created = self.store.add_citizen_message(
            conversation.id, text, now, message_id, data=data, to_bot=to_bot
        )
        if not created:
            return message  # the same message arrived twice at once
        await self.hub.to_citizen(conversation.id, message.as_json(), exclude=ws)
        conversation = self._conversation(conversation.id)
        if conversation.state == BOT:
            if paused:
                # Kept and archived, not answered: the citizen is told until when.
                self._spawn(self._paused_notice(conversation))
            else:
                self._bot_task(message, payload or text)
        else:
            await self._to_consoles(
                conversation,
                {"type": "message", "conversation_id": conversation.id, "message": message.as_json()},
            )
            if conversation.state == CLERK and conversation.clerk_id is not None and not payload:
                self._spawn(self._hint_for_clerk(conversation.id, conversation.clerk_id, text, message.id))
        return message

    async def _check_flood(self, conversation_id: str) -> None:
        """Refuse a message over the per-minute limit (nothing stored), and archive the
        first refusal of each flood for the auditors."""
        verdict = self.floods.check(conversation_id, self.clock().timestamp())
        if verdict.allowed:
            return
        limit = self.settings.citizen_messages_per_minute
        if verdict.first_refusal:
            logger.warning("handoff: conversation %s sends more than %d messages a minute", conversation_id, limit)
            try:
                await self.sink.record(
                    Turn(
                        conversation_id, SYSTEM,
                        f"Prea multe mesaje: peste {limit} într-un minut; mesajele în plus au fost refuzate.",
                        event=archive.RATE_LIMITED, flags=("flood",),
                        extra={"limit_per_minute": limit, "retry_after": verdict.retry_after},
                    )  # fmt: skip
                )
            except ArchiveError as error:  # the refusal itself still reaches the citizen
                logger.error("handoff: archiving the flood of %s failed: %s", conversation_id, error)
        raise HandoffError(
            "too_fast",
            FLOOD_NOTICE.format(
                limit=count_text(limit, "un mesaj", "mesaje"),
                seconds=count_text(verdict.retry_after, "o secundă", "secunde"),
            ),
            status=429,
            retry_after=verdict.retry_after,
        )

    async def _paused_notice(self, conversation: Conversation) -> None:
        info = self.pause_info(conversation)
        if info is None:
            return
        await self.hub.to_citizen(
            conversation.id,
            {"type": "error", "code": "paused", "message": info["message"],
             "paused_until": info["until"], "paused_until_local": info["until_local"]},
        )  # fmt: skip

    async def _hint_for_clerk(self, conversation_id: str, clerk_id: int, text: str, message_id: int) -> None:
        """Classify a citizen message for the clerk who holds the conversation; if it asks
        about infrastructure, show the clerk the redirect, ready to send (and archive it)."""
        hint = await self._redirect_hint(conversation_id, text)
        if hint is None:
            return
        conversation = self.store.conversation(conversation_id)
        if conversation is None or conversation.state != CLERK or conversation.clerk_id != clerk_id:
            return  # released or transferred meanwhile: the bot or the new clerk answers
        hint["question_id"] = message_id
        await self._deliver_hint(conversation, hint)

    async def _redirect_hint(self, conversation_id: str, text: str) -> Optional[Dict[str, Any]]:
        """The redirect a clerk could send for ``text``, or None (also when the NLU fails:
        no hint is a lesser evil than a lost message)."""
        from livechat.redirect import redirect_hint

        if self.parse is None:
            return None
        try:
            parsed = await self.parse(text)
            return redirect_hint(text, parsed or {})
        except Exception:
            logger.exception("handoff: classifying a message of %s for a hint failed", conversation_id)
            return None

    async def _deliver_hint(self, conversation: Conversation, hint: Dict[str, Any]) -> None:
        """Archive a redirect hint, keep it in the transcript (for clerks only) and show it
        to whoever watches the conversation."""
        from livechat.redirect import hint_note

        clerk = self.store.clerk(conversation.clerk_id) if conversation.clerk_id else None
        note = hint_note(hint)
        try:
            await self.sink.record(
                Turn(
                    conversation.id, SYSTEM, note, event=archive.OUT_OF_SCOPE_REDIRECT,
                    clerk_id=clerk.username if clerk else None,
                    extra={"delivery": "clerk_hint", "topic": hint["topic"],
                           "department": hint["department"], "email": hint["email"],
                           "intent": hint["intent"], "confidence": hint["confidence"],
                           "question_id": hint.get("question_id")},
                )  # fmt: skip
            )
        except ArchiveError as error:  # the clerk still gets the hint; the gap is logged
            logger.error("handoff: archiving the redirect hint of %s failed: %s", conversation.id, error)
        stored = self.store.add_message(
            conversation.id, SYSTEM, note, self.clock(), data={"hint": hint}, author=SYSTEM_NAME
        )
        await self._to_consoles(
            conversation,
            {"type": "message", "conversation_id": conversation.id, "message": stored.as_json()},
        )

    def _bot_task(self, message: Message, text: str) -> None:
        """Hand ``message`` to the bot in a task of its own (the citizen has their ack)."""
        self._in_flight.add(message.id)
        self._spawn(self._to_bot(message.conversation_id, text, message.message_id or "", message.id))

    async def _to_bot(
        self, conversation_id: str, text: str, message_id: str, row_id: Optional[int] = None
    ) -> None:
        try:
            await self._ask_bot(conversation_id, text, message_id)
            if row_id is not None:
                try:
                    self.store.mark_answered(row_id)
                except DatabaseUnavailable:  # answered twice after a restart, at worst
                    logger.error("handoff: message %s answered but not marked so", row_id)
        finally:  # a cancelled task (the server stopping) leaves the message pending
            if row_id is not None:
                self._in_flight.discard(row_id)

    async def redrive(self) -> int:
        """Hand the bot again the messages it never answered: the process died between
        the citizen's acknowledgement and the bot's answer. Returns how many."""
        if self.handled is None:
            return 0
        before = self.clock() - REDRIVE_AFTER
        count = 0
        for message in self.store.unanswered(before):
            if message.id in self._in_flight:
                continue
            handled = await self.handled(message.conversation_id, message.message_id or "")
            if handled is None:
                return count  # no model loaded yet: next round
            if handled:
                self.store.mark_answered(message.id)  # Rasa had it; only the mark was lost
                continue
            logger.warning(
                "handoff: message %s of %s was acknowledged but never answered; handing it "
                "to the bot again", message.id, message.conversation_id,
            )  # fmt: skip
            self._bot_task(message, (message.data or {}).get("payload") or message.text)
            count += 1
        return count

    async def _ask_bot(self, conversation_id: str, text: str, message_id: str) -> None:
        if self.on_new_message is None or self.output_for is None:
            logger.error("handoff: no bot attached; message of %s not answered", conversation_id)
            return
        from rasa.core.channels.channel import UserMessage

        try:
            await self.on_new_message(
                UserMessage(
                    text,
                    self.output_for(conversation_id),
                    conversation_id,
                    input_channel="website",
                    message_id=message_id,
                )
            )
        except Exception:  # the bot failing must not go unnoticed by the citizen
            logger.exception("handoff: the bot failed on a message of %s", conversation_id)
            await self.hub.to_citizen(
                conversation_id,
                HandoffError(
                    "bot_failed",
                    "Asistentul nu poate răspunde acum. Încercați din nou sau scrieți-ne "
                    f"la {registratura_email()}.",
                ).frame(),
            )

    async def leave_queue(self, conversation_id: str) -> None:
        conversation = self._conversation(conversation_id)
        if not self.store.leave_queue(conversation.id, self.clock()):
            raise HandoffError("not_queued", "Nu sunteți în coada de așteptare.", status=409)
        await self._system(
            conversation.id,
            archive.LEFT_QUEUE,
            "Ați ieșit din coada de așteptare. Continuați cu asistentul virtual; puteți cere "
            "oricând din nou un funcționar.",
        )
        await self.hub.to_citizen(conversation.id, self.state_frame(self._conversation(conversation.id)))
        await self.queue_changed()

    # -- bot ------------------------------------------------------------------------------

    async def bot_message(
        self,
        conversation_id: str,
        text: str,
        data: Dict[str, Any],
        flags: Sequence[str] = (),
        archive_extra: Optional[Dict[str, Any]] = None,
    ) -> None:
        """A message of the bot: archived, stored, then shown to the citizen.

        ``data`` is what the citizen's widget gets (buttons, attachment, …); ``flags`` and
        ``archive_extra`` (e.g. the ``redirect`` of a refused question) go to the archive
        only.
        """
        conversation = self.store.conversation(conversation_id)
        if conversation is None:
            logger.error("handoff: bot message for unknown conversation %s dropped", conversation_id)
            return
        form_ids = [data["form_id"]] if data.get("form_id") else []
        try:
            await self._archive(
                Turn(conversation_id, BOT, text, form_ids=form_ids,
                     extra={**(archive_extra or {}), **data}, flags=tuple(flags))
            )  # fmt: skip
        except HandoffError as error:
            await self.hub.to_citizen(conversation_id, error.frame())
            return
        message = self.store.add_message(
            conversation_id, BOT, text, self.clock(), data=data or None, author=BOT_NAME
        )
        await self.hub.to_citizen(conversation_id, message.as_json())

    async def bot_custom(
        self,
        conversation_id: str,
        custom: Dict[str, Any],
        flags: Sequence[str] = (),
        archive_extra: Optional[Dict[str, Any]] = None,
    ) -> None:
        """A custom payload of an action: the handoff request, or data shown as is
        (archived with ``flags`` and ``archive_extra``, as :meth:`bot_message`)."""
        handoff = custom.get("handoff") if isinstance(custom, dict) else None
        if isinstance(handoff, dict) and handoff.get("action") == REQUEST_ACTION:
            works_question = handoff.get("works_question")
            queued = await self.request_human(
                conversation_id, handoff.get("form"), handoff.get("intent")
            )
            if queued and isinstance(works_question, str) and works_question.strip():
                # The citizen asked about works before: the clerk sees the redirect to send.
                hint = await self._redirect_hint(conversation_id, works_question)
                conversation = self.store.conversation(conversation_id)
                if hint is not None and conversation is not None:
                    await self._deliver_hint(conversation, hint)
            return
        if isinstance(handoff, dict) and handoff.get("action") == PAUSE_ACTION:
            await self.pause(
                conversation_id, handoff.get("minutes"), handoff.get("reason"), handoff.get("flag")
            )
            return
        await self.bot_message(conversation_id, "", {"custom": custom}, flags, archive_extra)

    async def request_human(
        self, conversation_id: str, form_id: Optional[str] = None, intent: Optional[str] = None
    ) -> bool:
        """The citizen asked for a person: queue the conversation within working hours
        with a clerk present, else answer (as the bot) with the hours and the e-mail route.
        Returns whether it was queued."""
        conversation = self.store.conversation(conversation_id)
        if conversation is None:
            logger.error("handoff: request for a person in unknown conversation %s", conversation_id)
            return False
        now = self.clock()
        email = registratura_email()
        try:
            schedule = self.schedule()
        except ScheduleError:
            # A broken schedule file must not leave the citizen without an answer.
            logger.exception("handoff: cannot read the schedule; offering the e-mail route")
            text = schedule_broken_text(email)
        else:
            active = len(self.store.active_clerks(now, clerk_grace()))
            decision = decide_for(now, schedule, active, conversation.state)
            if decision.queue:
                return await self.enqueue(conversation_id, form_id, intent)
            text = unavailable_text(decision, email)
        await self.bot_message(conversation_id, text, {"buttons": [_link(mail_button(email))]})
        return False

    async def enqueue(
        self, conversation_id: str, form_id: Optional[str] = None, intent: Optional[str] = None
    ) -> bool:
        conversation = self.store.conversation(conversation_id)
        if conversation is None:
            logger.error("handoff: enqueue for unknown conversation %s", conversation_id)
            return False
        topic = self.topic_label(form_id, intent)
        if not self.store.enqueue(conversation_id, self.clock(), topic, form_id):
            await self.hub.to_citizen(conversation_id, self.state_frame(conversation))
            return False
        info = self.queue_info(conversation_id) or {}
        await self._system(
            conversation_id,
            archive.QUEUED,
            "V-am trecut în așteptare pentru un funcționar de la Relații cu Publicul. Vă "
            "rugăm să nu închideți pagina; vă vom anunța când vă preia cineva.",
            extra={"topic": topic, "form_id": form_id, **info},
        )
        await self.hub.to_citizen(conversation_id, self.state_frame(self._conversation(conversation_id)))
        await self.hub.to_clerks({"type": "alert", "conversation_id": conversation_id, "topic": topic})
        await self.queue_changed()
        return True

    async def pause(
        self, conversation_id: str, minutes: Any, reason: Any = None, flag: Any = None
    ) -> bool:
        """Hold the citizen's messages back from the bot for ``minutes`` and flag the
        conversation (the third insult). Returns whether the pause was set."""
        conversation = self.store.conversation(conversation_id)
        if conversation is None:
            logger.error("handoff: pause for unknown conversation %s", conversation_id)
            return False
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_PAUSE_MINUTES:
            logger.error(
                "handoff: pause of %s ignored: minutes must be 1..%d, got %r",
                conversation_id, MAX_PAUSE_MINUTES, minutes,
            )  # fmt: skip
            return False
        if flag is not None and flag not in FLAG_REASONS:
            logger.warning("handoff: unknown flag %r in the pause of %s; paused without it", flag, conversation_id)
            flag = None
        now = self.clock()
        self.store.pause(conversation_id, now + dt.timedelta(minutes=minutes), flag, now)
        paused = self._conversation(conversation_id)
        assert paused.paused_until is not None
        flags = [name for name in (flag, reason) if isinstance(name, str) and _SNAKE_NAME.match(name)]
        await self._system(
            conversation_id,
            archive.PAUSED,
            f"Conversația este suspendată până la ora {local_time(paused.paused_until)}.",
            extra={"minutes": minutes, "until": paused.paused_until.isoformat(),
                   "reason": reason if isinstance(reason, str) else None, "flag": flag},
            flags=flags,
        )  # fmt: skip
        await self.hub.to_citizen(conversation_id, self.state_frame(paused))
        return True

    # -- clerks -------------------------------------------------------------------------

    def conversation_view(self, conversation: Conversation, limit: Optional[int] = None) -> Dict[str, Any]:
        """A conversation as the console shows it, with its transcript."""
        clerk = self.store.clerk(conversation.clerk_id) if conversation.clerk_id else None
        return {
            "id": conversation.id,
            "state": conversation.state,
            "topic": conversation.topic,
            "form_id": conversation.form_id,
            "form_title": self._form_title(conversation.form_id),
            "queued_at": conversation.queued_at.isoformat() if conversation.queued_at else None,
            "taken_at": conversation.taken_at.isoformat() if conversation.taken_at else None,
            "clerk": clerk.as_json() if clerk else None,
            "citizen_online": self.citizen_online(conversation),
            "flag": self.flag_view(conversation),
            "pause": self.pause_info(conversation),
            "transcript": [m.as_json() for m in self.store.transcript(conversation.id, limit)],
        }

    @staticmethod
    def flag_view(conversation: Conversation) -> Optional[Dict[str, Any]]:
        """The conversation's audit flag as the console shows it, or None."""
        if not conversation.flag:
            return None
        return {
            "code": conversation.flag,
            "label": FLAG_REASONS.get(conversation.flag, conversation.flag),
            "note": conversation.flag_note,
            "at": conversation.flagged_at.isoformat() if conversation.flagged_at else None,
        }

    def citizen_online(self, conversation: Conversation) -> bool:
        """Whether the citizen's page is open, here or (with several instances) elsewhere."""
        if self.hub.citizen_online(conversation.id):
            return True
        if not self.hub.distributed or conversation.citizen_seen_at is None:
            return False
        # Other instances refresh citizen_seen_at at every housekeeping round.
        fresh = dt.timedelta(seconds=3 * self.settings.housekeeping_seconds)
        return self.clock() - conversation.citizen_seen_at < fresh

    def queue_view(self) -> List[Dict[str, Any]]:
        now = self.clock()
        items = []
        for position, conversation in enumerate(self.store.queue(), start=1):
            view = self.conversation_view(conversation, QUEUE_PREVIEW_LIMIT)
            view["position"] = position
            view["waiting_seconds"] = int((now - conversation.queued_at).total_seconds()) if conversation.queued_at else 0
            items.append(view)
        return items

    def active_clerks_view(self) -> List[Dict[str, Any]]:
        return [c.as_json() for c in self.store.active_clerks(self.clock(), clerk_grace())]

    def console_snapshot(self, clerk: Clerk) -> Dict[str, Any]:
        fresh = self.store.clerk(clerk.id) or clerk
        return {
            "type": "snapshot",
            "me": fresh.as_json(),
            "queue": self.queue_view(),
            "mine": [self.conversation_view(c) for c in self.store.held_by(clerk.id)],
            "clerks": self.active_clerks_view(),
        }

    async def queue_changed(self) -> None:
        """Tell each queued citizen their place, and every console the new queue."""
        queue = self.store.queue()
        active = len(self.store.active_clerks(self.clock(), clerk_grace()))
        minutes = self.schedule().minutes_per_conversation
        for position, conversation in enumerate(queue, start=1):
            await self.hub.to_citizen(
                conversation.id,
                {
                    "type": "queue",
                    "position": position,
                    "estimate_minutes": wait_estimate_minutes(position, active, minutes),
                    "active_clerks": active,
                },
            )
        await self.hub.to_clerks({"type": "queue", "items": self.queue_view()})

    async def clerks_changed(self) -> None:
        await self.hub.to_clerks({"type": "clerks", "clerks": self.active_clerks_view()})

    def _holding(self, clerk: Clerk, conversation_id: str) -> Conversation:
        conversation = self._conversation(conversation_id)
        if conversation.state != CLERK or conversation.clerk_id != clerk.id:
            raise HandoffError(
                "not_yours",
                "Nu dețineți această conversație; nu s-a schimbat nimic. Preluați-o din coadă "
                "mai întâi.",
                status=409,
            )
        return conversation

    async def set_presence(self, clerk: Clerk, presence: Any) -> Clerk:
        if presence not in PRESENCES:
            raise HandoffError(
                "bad_presence", "Starea poate fi doar „activ” sau „indisponibil”.", status=400
            )
        self.store.set_presence(clerk.id, presence, self.clock())
        await self.clerks_changed()
        await self.queue_changed()
        return self.store.clerk(clerk.id) or clerk

    async def takeover(self, clerk: Clerk, conversation_id: str) -> Dict[str, Any]:
        conversation = self._conversation(conversation_id)
        fresh = self.store.clerk(clerk.id)
        if fresh is None or fresh.presence != ACTIVE:
            raise HandoffError(
                "not_active",
                "Treceți-vă pe „activ” ca să preluați conversații.",
                status=409,
            )
        if not self.store.takeover(conversation.id, clerk.id, self.clock()):
            current = self._conversation(conversation.id)
            if current.state == CLERK and current.clerk_id is not None:
                holder = self.store.clerk(current.clerk_id)
                who = "dvs." if current.clerk_id == clerk.id else (holder.display_name if holder else "alt funcționar")
                raise HandoffError(
                    "already_taken", f"Conversația a fost preluată deja de {who}.", status=409
                )
            raise HandoffError(
                "not_queued",
                "Conversația nu mai este în coadă (cetățeanul a ieșit din coadă sau a fost "
                "închisă).",
                status=409,
            )
        await self._system(
            conversation.id,
            archive.TAKEN_OVER,
            f"{fresh.display_name} de la Relații cu Publicul a preluat conversația și vă "
            "răspunde acum.",
            clerk=fresh,
        )
        taken = self._conversation(conversation.id)
        await self.hub.to_citizen(conversation.id, self.state_frame(taken))
        view = self.conversation_view(taken)
        await self.hub.to_clerk(clerk.id, {"type": "assigned", "conversation": view})
        await self.queue_changed()
        return view

    async def clerk_message(
        self, clerk: Clerk, conversation_id: str, text: Any, data: Optional[Dict[str, Any]] = None
    ) -> Message:
        text = check_text(text)
        conversation = self._holding(clerk, conversation_id)
        await self._archive(
            Turn(
                conversation.id, CLERK, text, clerk_id=clerk.username,
                form_ids=[data["form_id"]] if data and data.get("form_id") else [],
                extra=dict(data or {}),
            )  # fmt: skip
        )
        message = self.store.add_clerk_message(conversation.id, clerk, text, self.clock(), data)
        if message is None:  # transferred or released between the check and the write
            self._holding(clerk, conversation_id)
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        frame = message.as_json()
        await self.hub.to_citizen(conversation.id, frame)
        await self.hub.to_clerk(
            clerk.id, {"type": "message", "conversation_id": conversation.id, "message": frame}
        )
        return message

    def _form(self, form_id: Any) -> Any:
        from forms_catalog import load_catalog

        form = load_catalog().forms.get(form_id) if isinstance(form_id, str) else None
        if form is None:
            raise HandoffError(
                "unknown_form", f"Formularul „{form_id}” nu există în catalog.", status=404
            )
        return form

    @staticmethod
    def pdf_button(form_id: str) -> Dict[str, str]:
        url = f"/formulare/{form_id}.pdf"
        return {"title": "Descarcă formularul (PDF)", "type": "web_url", "url": url, "payload": url}

    async def send_card(self, clerk: Clerk, conversation_id: str, form_id: Any) -> Message:
        """The procedure card of a form, as one message with the PDF link."""
        from forms_catalog import load_catalog

        form = self._form(form_id)
        self._holding(clerk, conversation_id)
        sections = load_catalog().card_sections(form.id)
        wanted = ("summary", "documents", "fee", "deadline", "submit", "pickup")
        text = "\n\n".join(sections[key] for key in wanted if sections.get(key))
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 1] + "…"
        return await self.clerk_message(
            clerk, conversation_id, text, {"buttons": [self.pdf_button(form.id)], "form_id": form.id}
        )

    async def send_pdf(self, clerk: Clerk, conversation_id: str, form_id: Any) -> Message:
        form = self._form(form_id)
        text = (
            f"Formularul „{form.title}” este un PDF interactiv: îl puteți completa și semna "
            "pe telefon sau pe calculator."
        )
        return await self.clerk_message(
            clerk, conversation_id, text, {"buttons": [self.pdf_button(form.id)], "form_id": form.id}
        )

    async def transfer(self, clerk: Clerk, conversation_id: str, to_username: Any) -> Dict[str, Any]:
        conversation = self._holding(clerk, conversation_id)
        target = self.store.clerk_by_username(to_username) if isinstance(to_username, str) else None
        if target is None:
            raise HandoffError("unknown_clerk", f"Nu există funcționarul „{to_username}”.", status=404)
        if target.id == clerk.id:
            raise HandoffError("same_clerk", "Conversația este deja a dvs.", status=400)
        if target.id not in {c.id for c in self.store.active_clerks(self.clock(), clerk_grace())}:
            raise HandoffError(
                "clerk_not_active",
                f"{target.display_name} nu este activ acum; alegeți un funcționar activ.",
                status=409,
            )
        if not self.store.transfer(conversation.id, clerk.id, target.id, self.clock()):
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        await self._system(
            conversation.id,
            archive.TRANSFERRED,
            f"Conversația a fost transferată către {target.display_name}, care vă răspunde în "
            "continuare.",
            clerk=clerk,
            extra={"to": target.username},
        )
        moved = self._conversation(conversation.id)
        await self.hub.to_citizen(conversation.id, self.state_frame(moved))
        await self.hub.to_clerk(
            clerk.id, {"type": "unassigned", "conversation_id": conversation.id, "reason": "transferred", "to": target.display_name}
        )
        view = self.conversation_view(moved)
        await self.hub.to_clerk(target.id, {"type": "assigned", "conversation": view, "from": clerk.display_name})
        return view

    async def release(self, clerk: Clerk, conversation_id: str) -> None:
        conversation = self._holding(clerk, conversation_id)
        if not self.store.release(conversation.id, clerk.id, self.clock()):
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        await self._system(
            conversation.id,
            archive.RELEASED,
            "Conversația continuă cu asistentul virtual. Puteți cere oricând din nou un "
            "funcționar.",
            clerk=clerk,
        )
        await self.hub.to_citizen(conversation.id, self.state_frame(self._conversation(conversation.id)))
        await self.hub.to_clerk(
            clerk.id, {"type": "unassigned", "conversation_id": conversation.id, "reason": "released"}
        )

    async def close(
        self, clerk: Clerk, conversation_id: str, flag: Any = None, note: Any = None
    ) -> None:
        """Close a conversation the clerk holds; with ``flag`` (limbaj_jignitor, spam,
        altul + ``note``) also flag it for audit, the reason archived with the close."""
        flag, note = check_flag(flag, note)
        conversation = self._holding(clerk, conversation_id)
        if not self.store.close(conversation.id, clerk.id, self.clock(), flag, note):
            raise HandoffError("not_yours", "Nu mai dețineți această conversație.", status=409)
        if flag is None:
            text = (
                "Funcționarul a încheiat conversația. Vă mulțumim! Dacă mai aveți întrebări, "
                "scrieți aici și vă răspunde asistentul virtual."
            )
            extra: Dict[str, Any] = {}
        else:
            text = (
                "Funcționarul a încheiat conversația și a semnalat-o pentru verificare "
                f"(motiv: {FLAG_REASONS[flag]}). Dacă mai aveți întrebări, scrieți aici și vă "
                "răspunde asistentul virtual."
            )
            extra = {"flag": flag, "reason": FLAG_REASONS[flag], "note": note}
        await self._system(
            conversation.id, archive.CLOSED, text, clerk=clerk, extra=extra,
            flags=[flag] if flag else [],
        )  # fmt: skip
        await self.hub.to_citizen(conversation.id, self.state_frame(self._conversation(conversation.id)))
        frame: Dict[str, Any] = {"type": "unassigned", "conversation_id": conversation.id, "reason": "closed"}
        if flag is not None:
            frame["flag"] = {"code": flag, "label": FLAG_REASONS[flag], "note": note}
        await self.hub.to_clerk(clerk.id, frame)

    async def send_redirect(self, clerk: Clerk, conversation_id: str, hint_id: Any) -> Message:
        """Send the citizen the redirect of a hint, as the clerk's message (one click)."""
        self._holding(clerk, conversation_id)
        hint_message = self.store.message(conversation_id, hint_id)
        hint = hint_message.data.get("hint") if hint_message is not None else None
        if not isinstance(hint, dict):
            raise HandoffError(
                "unknown_hint", "Sugestia nu există în această conversație.", status=404
            )
        return await self.clerk_message(
            clerk,
            conversation_id,
            hint["text"],
            {"buttons": hint["buttons"],
             "redirect": {"topic": hint["topic"], "department": hint["department"], "hint_id": hint_id}},
        )  # fmt: skip

    # -- housekeeping -------------------------------------------------------------------

    async def housekeeping(self) -> None:
        """Presence heartbeats, clerks gone past the grace period, closing time, pauses
        that ended."""
        now = self.clock()
        await self.redrive()
        self.store.touch_clerks(self.hub.connected_clerks(), now)
        self.store.citizens_seen(self.hub.connected_conversations(), now)
        changed = False

        for conversation_id in self.store.end_pauses(now):
            await self._system(
                conversation_id,
                archive.PAUSE_ENDED,
                "Suspendarea conversației s-a încheiat. Ne puteți scrie din nou.",
            )
            await self.hub.to_citizen(conversation_id, self.state_frame(self._conversation(conversation_id)))

        for clerk in self.store.vanished_clerks(now, clerk_grace()):
            logger.info("handoff: clerk %s gone past the grace period", clerk.username)
            self.store.set_presence(clerk.id, "indisponibil", clerk.last_seen_at or now)
            for conversation in self.store.held_by(clerk.id):
                if self.store.requeue(conversation.id, clerk.id, now):
                    await self._system(
                        conversation.id,
                        archive.QUEUED,
                        f"{clerk.display_name} s-a deconectat. V-am trecut din nou în așteptare; "
                        "un alt funcționar vă va prelua.",
                        clerk=clerk,
                        extra={"reason": "clerk_disconnected"},
                    )
                    await self.hub.to_citizen(conversation.id, self.state_frame(self._conversation(conversation.id)))
            changed = True

        schedule = self.schedule()
        if not schedule.is_open(now):
            queue = self.store.queue()
            if queue:
                text = closing_text(schedule.next_opening(now), now, registratura_email())
                for conversation in queue:
                    if self.store.leave_queue(conversation.id, now):
                        await self._system(
                            conversation.id, archive.HANDOFF_UNAVAILABLE, text,
                            extra={"reason": "closing_time"},
                        )  # fmt: skip
                        await self.hub.to_citizen(conversation.id, self.state_frame(self._conversation(conversation.id)))
                changed = True
        else:
            gone_before = now - self.settings.citizen_queue_grace
            for conversation in self.store.queue():
                seen = conversation.citizen_seen_at or conversation.queued_at or now
                if seen < gone_before and not self.hub.citizen_online(conversation.id):
                    if self.store.leave_queue(conversation.id, now):
                        logger.info("handoff: %s left the queue (page closed)", conversation.id)
                        changed = True

        if changed:
            await self.clerks_changed()
            await self.queue_changed()
