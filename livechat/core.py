"""The live chat's service: what every part of it shares (the store, the sink, the hub,
the clock) and the helpers they all use.

:class:`livechat.service.HandoffService` is composed of the parts built on this one:
:mod:`livechat.views` (what the console shows), :mod:`livechat.bot` (the bot's side and
requests for a person), :mod:`livechat.citizens` (the citizen's socket),
:mod:`livechat.clerks` (what a clerk does) and :mod:`livechat.housekeeping`.
"""

import asyncio
import datetime as dt
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Protocol, Sequence, Set, TypeVar

from sqlalchemy.engine import Connection

from livechat.archive import ArchiveError, TransactionalSink, Turn, TurnSink
from livechat.copy import (
    INTENT_TOPICS,
    PAUSED_NOTICE,
    SYSTEM_NAME,
    local_time,
)
from livechat.decision import (
    registratura_email,
    wait_estimate_minutes,
)
from livechat.errors import HandoffError, check_conversation_id
from livechat.hub import Hub
from livechat.limits import AddressPauses, FloodGuard
from livechat.schedule import Schedule, current_schedule
from livechat.settings import ChannelSettings, clerk_grace
from livechat.store import Clerk, Conversation, HandoffStore, Message
from livechat.tables import (
    CLERK,
    QUEUED,
    SYSTEM,
    utcnow,
)

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[Any], Awaitable[Any]]
OutputFactory = Callable[[str], Any]
# The loaded model's NLU alone: text -> parse data (Agent.parse_message).
Parser = Callable[[str], Awaitable[Dict[str, Any]]]
# Whether Rasa's tracker of a conversation has a message id; None while no model is loaded.
Handled = Callable[[str, str], Awaitable[Optional[bool]]]
# A message handed to the bot and not answered this long after is handed again.


class TrackerSlots(Protocol):
    """A slot of Rasa's tracker of a conversation, read and set under the conversation's
    lock (the channel implements it with the loaded agent: livechat.channel)."""

    async def get(self, conversation_id: str, name: str) -> Any: ...

    async def set(self, conversation_id: str, name: str, value: Any) -> None: ...


T = TypeVar("T")


class ServiceCore:
    """The state every part of the service shares, and the helpers they use."""

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
        self.slots: Optional[TrackerSlots] = None
        # Conversation -> [its messages the bot is handling, outputs the bot sent meanwhile].
        self._answering: Dict[str, List[int]] = {}
        # Ids of the messages this process is handing to the bot right now.
        self._in_flight: Set[int] = set()
        # Conversation -> done when the last message handed to the bot has been answered.
        self._bot_turns: Dict[str, "asyncio.Future[None]"] = {}
        # Conversation -> showing the last of the bot's messages queued (livechat/bot.py).
        self._bot_outputs: Dict[str, "asyncio.Future[None]"] = {}
        self.floods = FloodGuard(settings.citizen_messages_per_minute)
        # The same limits per client address, over all its conversations.
        self.address_floods = FloodGuard(settings.address_messages_per_minute)
        self.new_conversations = FloodGuard(settings.address_conversations_per_hour, window=3600.0)
        # The insult pause follows the client address into a new conversation.
        self.address_pauses = AddressPauses()
        self._tasks: Set["asyncio.Task[Any]"] = set()
        # The sink last asked about, and whether it shares transactions (_shares_transactions).
        self._transactional_sink: "tuple[Any, bool]" = (None, False)
        # Conversation -> when its citizen's last typing frame went to the console.
        self._typing: Dict[str, float] = {}

    def attach_bot(
        self,
        on_new_message: OnNewMessage,
        output_for: OutputFactory,
        parse: Optional[Parser] = None,
        handled: Optional[Handled] = None,
        slots: Optional[TrackerSlots] = None,
    ) -> None:
        """Where citizen messages go while the bot has the conversation, the NLU that
        classifies them while a clerk has it (for the redirect hints), and how to tell
        whether Rasa already has a message (before handing it again after a restart), and
        the tracker's slots (the form a citizen is filling, which a clerk may complete)."""
        self.on_new_message = on_new_message
        self.output_for = output_for
        self.parse = parse
        self.handled = handled
        self.slots = slots

    async def _archive(self, turn: Turn) -> None:
        await self._archive_with(turn, None)

    async def _archive_with(self, turn: Turn, then: Optional[Callable[[Connection], T]]) -> Optional[T]:
        """Archive ``turn``, then run ``then`` — its row in the live chat's tables — and
        return what it returned. When the sink writes to the live chat's database, both go
        in one transaction of the archive's writing thread, with the other writes of the
        moment (archive/writer.py): committed together or not at all, and no round trip
        to the database on the event loop. Otherwise ``then`` runs in a transaction of its
        own once the turn is archived.

        Raises HandoffError when the turn (or, with it, ``then``'s write) was not stored.
        """
        sink = self.sink
        try:
            if then is not None and self._shares_transactions(sink):
                return await sink.record_with(turn, then)  # type: ignore[attr-defined]
            await sink.record(turn)
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
        if then is None:
            return None
        with self.store.session_scope(write=True) as connection:
            return then(connection)

    def _shares_transactions(self, sink: Any) -> bool:
        """Whether ``sink`` writes a turn in one transaction with the live chat's row (see
        :meth:`_archive_with`); asked once per sink, not on every message (a runtime check
        of a Protocol is slow)."""
        if self._transactional_sink[0] is not sink:
            shares = isinstance(sink, TransactionalSink) and sink.writes_to(self.store.engine)
            self._transactional_sink = (sink, shares)
        return self._transactional_sink[1]

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
        return self._known(self.store.conversation(check_conversation_id(conversation_id)))

    @staticmethod
    def _known(conversation: Optional[Conversation]) -> Conversation:
        """``conversation``, or the citizen's error when it does not exist."""
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

    def citizen_online(self, conversation: Conversation) -> bool:
        """Whether the citizen's page is open, here or (with several instances) elsewhere."""
        if self.hub.citizen_online(conversation.id):
            return True
        if not self.hub.distributed or conversation.citizen_seen_at is None:
            return False
        # Other instances refresh citizen_seen_at at every housekeeping round.
        fresh = dt.timedelta(seconds=3 * self.settings.housekeeping_seconds)
        return self.clock() - conversation.citizen_seen_at < fresh
