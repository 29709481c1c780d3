"""The bot's side of the live chat: messages to and from Rasa, the actions' requests (a
person, a pause), the redirect hints for clerks, and re-driving unanswered messages."""

import asyncio
import contextlib
import datetime as dt
import logging
import re
from typing import Any, AsyncIterator, Dict, Optional, Sequence

from sqlalchemy.engine import Connection

from forms_catalog.filling import FILLED_FORM
from livechat import archive, filings, filled_forms
from livechat.archive import ArchiveError, Turn
from livechat.copy import (
    BOT_NAME,
    SYSTEM_NAME,
    local_time,
)
from livechat.decision import (
    decide_for,
    mail_button,
    registratura_email,
    schedule_broken_text,
    unavailable_text,
)
from livechat.errors import HandoffError
from livechat.protocol import PAUSE_ACTION, QUIET_ACTION, REQUEST_ACTION
from livechat.schedule import ScheduleError
from livechat.settings import clerk_grace
from livechat.store import Conversation, Message
from livechat.tables import (
    BOT,
    CLERK,
    FLAG_REASONS,
    SYSTEM,
)
from livechat.views import ConsoleViews
from storage.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

# A pause request longer than a day is a bug in whoever sent it.
MAX_PAUSE_MINUTES = 24 * 60
_SNAKE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# A message handed to the bot and not answered this long after is handed again.
REDRIVE_AFTER = dt.timedelta(seconds=30)
# Seconds a message waits for the bot to answer the conversation's message before it.
PREVIOUS_ANSWER_SECONDS = 30.0
REQUEST_HUMAN_INTENT = "request_human"
BOT_SILENT = (
    "Ne pare rău, asistentul nu vă poate răspunde acum din cauza unei probleme tehnice. "
    "Încercați din nou peste câteva minute sau scrieți-ne la {email}."
)


def _link(button: Dict[str, str]) -> Dict[str, str]:
    """A link button as the widget shows it (see ``livechat.channel.clean_buttons``)."""
    return {"title": button["title"], "url": button["url"]}


def typed_text(text: str) -> str:
    """What the bot reads of a message the citizen typed: Rasa takes a text that starts
    with "/" as a command ("/restart", '/ask_procedure{"form": …}'), so the slashes a
    person typed are dropped; only a button's payload reaches Rasa as an intent. The
    transcript and the archive keep what was typed."""
    return text.lstrip("/").lstrip() or text


class BotSide(ConsoleViews):
    """Between a conversation and Rasa."""

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
                    conversation.id,
                    SYSTEM,
                    note,
                    event=archive.OUT_OF_SCOPE_REDIRECT,
                    clerk_id=clerk.username if clerk else None,
                    extra={
                        "delivery": "clerk_hint",
                        "topic": hint["topic"],
                        "department": hint["department"],
                        "email": hint["email"],
                        "intent": hint["intent"],
                        "confidence": hint["confidence"],
                        "question_id": hint.get("question_id"),
                    },
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
        if not (message.data or {}).get("payload"):
            text = typed_text(text)
        self._spawn(self._to_bot(message.conversation_id, text, message.message_id or "", message.id))

    async def _to_bot(
        self, conversation_id: str, text: str, message_id: str, row_id: Optional[int] = None
    ) -> None:
        try:
            async with self._after_previous(conversation_id):
                await self._ask_bot(conversation_id, text, message_id)
            if row_id is not None:
                try:
                    await self.store.amark_answered(row_id)
                except DatabaseUnavailable:  # answered twice after a restart, at worst
                    logger.error("handoff: message %s answered but not marked so", row_id)
        finally:  # a cancelled task (the server stopping) leaves the message pending
            if row_id is not None:
                self._in_flight.discard(row_id)

    @contextlib.asynccontextmanager
    async def _after_previous(self, conversation_id: str) -> AsyncIterator[None]:
        """Hand the bot a conversation's message once it answered the one before.

        Rasa's lock (livechat/lock_store.py with several instances) takes them one at a
        time too, in the order of their tickets; but a message takes its ticket only when
        it reaches Rasa's agent, after the awaits on its way there, so nothing makes that
        order the citizen's. Waiting here, in the order the messages were acknowledged,
        keeps the citizen's order, and a waiting message costs no round trip to the lock
        store. A message whose predecessor is not answered within
        :data:`PREVIOUS_ANSWER_SECONDS` (the bot hangs) goes on, and Rasa's lock orders
        them as before."""
        previous = self._bot_turns.get(conversation_id)
        mine: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self._bot_turns[conversation_id] = mine
        try:
            if previous is not None and not previous.done():
                await asyncio.wait([previous], timeout=PREVIOUS_ANSWER_SECONDS)
            yield
        finally:
            mine.set_result(None)
            if self._bot_turns.get(conversation_id) is mine:
                del self._bot_turns[conversation_id]

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

        # Messages of one conversation may be in flight together (Rasa takes them in turn):
        # a running count of the bot's outputs, read before and after, is never reset
        # under another message's feet.
        in_flight = self._answering.setdefault(conversation_id, [0, 0])
        in_flight[0] += 1
        before = in_flight[1]
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
            await self.bot_output_sent(conversation_id)
            await self.hub.to_citizen(
                conversation_id,
                HandoffError(
                    "bot_failed",
                    "Asistentul nu poate răspunde acum. Încercați din nou sau scrieți-ne "
                    f"la {registratura_email()}.",
                ).frame(),
            )
            return
        finally:
            silent = in_flight[1] == before
            in_flight[0] -= 1
            if in_flight[0] == 0:
                self._answering.pop(conversation_id, None)
        await self.bot_output_sent(conversation_id)  # the message is answered once shown
        if silent:
            await self._unanswered(conversation_id, text)

    def _answered(self, conversation_id: str) -> None:
        """The bot sent something for a message it is handling (see :meth:`_ask_bot`)."""
        in_flight = self._answering.get(conversation_id)
        if in_flight is not None:
            in_flight[1] += 1

    async def _unanswered(self, conversation_id: str, text: str) -> None:
        """Rasa handled the message but nothing reached the citizen: the action server is
        down (Rasa logs "the actions events are lost" and goes on). The citizen is told,
        and a request for a person still reaches the queue."""
        logger.error(
            "handoff: the bot gave no answer to a message of %s (is the action server up?)",
            conversation_id,
        )
        if await self._asks_for_person(text):
            await self.request_human(conversation_id, None, REQUEST_HUMAN_INTENT)
            return
        email = registratura_email()
        await self.bot_message(
            conversation_id, BOT_SILENT.format(email=email), {"buttons": [_link(mail_button(email))]}
        )

    async def _asks_for_person(self, text: str) -> bool:
        if text.strip().startswith(f"/{REQUEST_HUMAN_INTENT}"):
            return True  # the widget's button
        if self.parse is None:
            return False
        try:
            parsed = await self.parse(text)
        except Exception:  # no model: the citizen still gets the notice
            logger.exception("handoff: classifying an unanswered message of failed")
            return False
        return ((parsed or {}).get("intent") or {}).get("name") == REQUEST_HUMAN_INTENT

    async def bot_message(
        self,
        conversation_id: str,
        text: str,
        data: Dict[str, Any],
        flags: Sequence[str] = (),
        archive_extra: Optional[Dict[str, Any]] = None,
    ) -> None:
        """A message of the bot: archived, stored, then shown to the citizen — after the
        bot's messages queued before it (:meth:`queue_bot_message`).

        ``data`` is what the citizen's widget gets (buttons, attachment, …); ``flags`` and
        ``archive_extra`` (e.g. the ``redirect`` of a refused question) go to the archive
        only.
        """
        await self.bot_output_sent(conversation_id)
        write = self._store_bot_message(conversation_id, text, data, flags, archive_extra)
        await self._show_bot_message(conversation_id, write)

    def queue_bot_message(
        self,
        conversation_id: str,
        text: str,
        data: Dict[str, Any],
        flags: Sequence[str] = (),
        archive_extra: Optional[Dict[str, Any]] = None,
    ) -> None:
        """:meth:`bot_message` without waiting for it (Rasa's own answers, livechat/channel.py).

        The turn is handed to the archive's writer now, so that the bot's next message and
        its tracker join the same transaction instead of each waiting for the one before;
        the citizen is shown each message once it is stored, in the order they were queued.
        :meth:`bot_output_sent` waits for them (the bot's turn ends with it)."""
        write = self._store_bot_message(conversation_id, text, data, flags, archive_extra)
        previous = self._bot_outputs.get(conversation_id)
        shown = asyncio.ensure_future(self._show_after(previous, conversation_id, write))
        self._bot_outputs[conversation_id] = shown
        self._tasks.add(shown)
        shown.add_done_callback(self._tasks.discard)

    async def bot_output_sent(self, conversation_id: str) -> None:
        """Wait until the bot's queued messages of ``conversation_id`` are stored and shown
        (or the citizen was told they could not be)."""
        last = self._bot_outputs.get(conversation_id)
        if last is not None:
            await asyncio.wait([last])

    def _store_bot_message(
        self,
        conversation_id: str,
        text: str,
        data: Dict[str, Any],
        flags: Sequence[str],
        archive_extra: Optional[Dict[str, Any]],
    ) -> "asyncio.Task[Optional[Message]]":
        """The bot message's archive turn and transcript row, being written."""
        self._answered(conversation_id)
        form_ids = [data["form_id"]] if data.get("form_id") else []
        now = self.clock()

        def store_it(connection: Connection) -> Optional[Message]:
            # In the transaction of the bot's archive turn.
            return self.store.message_in(
                connection, conversation_id, BOT, text, now, data=data or None, author=BOT_NAME
            )

        turn = Turn(
            conversation_id, BOT, text, form_ids=form_ids,
            extra={**(archive_extra or {}), **data}, flags=tuple(flags),
        )  # fmt: skip
        return asyncio.ensure_future(self._archive_with(turn, store_it))

    async def _show_bot_message(
        self, conversation_id: str, write: "asyncio.Future[Optional[Message]]"
    ) -> None:
        try:
            message = await write
        except HandoffError as error:
            await self.hub.to_citizen(conversation_id, error.frame())
            return
        if message is None:
            logger.error("handoff: bot message for unknown conversation %s not shown", conversation_id)
            return
        await self.hub.to_citizen(conversation_id, message.as_json())

    async def _show_after(
        self,
        previous: "Optional[asyncio.Future[None]]",
        conversation_id: str,
        write: "asyncio.Future[Optional[Message]]",
    ) -> None:
        try:
            if previous is not None:
                await asyncio.wait([previous])
            await self._show_bot_message(conversation_id, write)
        except Exception:  # nobody awaits this task: what went wrong is said here
            logger.exception("handoff: a bot message of %s could not be shown", conversation_id)
        finally:
            if self._bot_outputs.get(conversation_id) is asyncio.current_task():
                del self._bot_outputs[conversation_id]

    async def bot_custom(
        self,
        conversation_id: str,
        custom: Dict[str, Any],
        flags: Sequence[str] = (),
        archive_extra: Optional[Dict[str, Any]] = None,
    ) -> None:
        """A custom payload of an action: the handoff request, or data shown as is
        (archived with ``flags`` and ``archive_extra``, as :meth:`bot_message`); the bot's
        messages queued before it are shown first."""
        await self.bot_output_sent(conversation_id)
        self._answered(conversation_id)
        handoff = custom.get("handoff") if isinstance(custom, dict) else None
        if isinstance(handoff, dict) and handoff.get("action") == REQUEST_ACTION:
            works_question = handoff.get("works_question")
            queued = await self.request_human(conversation_id, handoff.get("form"), handoff.get("intent"))
            if queued and isinstance(works_question, str) and works_question.strip():
                # The citizen asked about works before: the clerk sees the redirect to send.
                hint = await self._redirect_hint(conversation_id, works_question)
                conversation = self.store.conversation(conversation_id)
                if hint is not None and conversation is not None:
                    await self._deliver_hint(conversation, hint)
            return
        if isinstance(custom, dict) and await filings.filings_of(self).custom(conversation_id, custom):
            return
        if isinstance(custom, dict) and FILLED_FORM in custom:  # the chat's guided filling ended
            await filled_forms.deliver(self, conversation_id, custom[FILLED_FORM])
            return
        if isinstance(handoff, dict) and handoff.get("action") == QUIET_ACTION:
            logger.info("handoff: the bot leaves a message of %s unanswered (%s)", conversation_id,
                        handoff.get("reason"))  # fmt: skip
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
            text, reason = schedule_broken_text(email), "schedule_error"
        else:
            active = len(self.store.active_clerks(now, clerk_grace()))
            decision = decide_for(now, schedule, active, conversation.state)
            if decision.queue:
                return await self.enqueue(conversation_id, form_id, intent)
            text, reason = unavailable_text(decision, email), decision.outcome
        await self._unavailable_record(conversation_id, reason)
        buttons = [_link(mail_button(email)), filings.leave_message_button(conversation_id)]
        await self.bot_message(conversation_id, text, {"buttons": buttons})
        return False

    async def _unavailable_record(self, conversation_id: str, reason: str) -> None:
        """Archive why a request for a person was not queued (``closed``: outside hours,
        ``no_clerk``, ``already_queued``, ``with_clerk``, ``schedule_error``) as a system
        turn the admin dashboard counts; the citizen reads the bot's answer that follows."""
        try:
            await self.sink.record(
                Turn(conversation_id, SYSTEM, "", event=archive.HANDOFF_UNAVAILABLE, extra={"reason": reason})
            )
        except ArchiveError as error:  # the answer itself is still sent (and archived)
            logger.error("handoff: archiving why %s was not queued failed: %s", conversation_id, error)

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

    async def pause(self, conversation_id: str, minutes: Any, reason: Any = None, flag: Any = None) -> bool:
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
            logger.warning(
                "handoff: unknown flag %r in the pause of %s; paused without it", flag, conversation_id
            )
            flag = None
        now = self.clock()
        self.store.pause(conversation_id, now + dt.timedelta(minutes=minutes), flag, now)
        paused = self._conversation(conversation_id)
        assert paused.paused_until is not None
        await self.address_pauses.apaused(conversation_id, paused.paused_until, flag)
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
