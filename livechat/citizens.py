"""The citizen's side of the live chat: opening and leaving, messages, floods."""

import logging
import re
import uuid
from typing import Any, Dict, Optional

from sqlalchemy.engine import Connection

from livechat import archive, earlier
from livechat.archive import ArchiveError, Turn
from livechat.bot import BotSide
from livechat.copy import (
    FLOOD_NOTICE,
    GREETING,
    RECORDING_NOTICE,
    count_text,
    local_time,
)
from livechat.errors import HandoffError, check_conversation_id, check_text
from livechat.settings import MAX_MESSAGE_CHARS
from livechat.store import Conversation, Message
from livechat.tables import (
    BOT,
    CITIZEN,
    CLERK,
    CLOSED,
    QUEUED,
    SYSTEM,
)

logger = logging.getLogger(__name__)

HISTORY_LIMIT = 200
# A citizen's typing frames go on to the clerk at most this often.
TYPING_EVERY_SECONDS = 1.0
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class CitizenSide(BotSide):
    """What a citizen's websocket asks of the live chat."""

    async def open_citizen(
        self,
        conversation_id: Optional[str],
        ws: Any,
        address: Optional[str] = None,
        browser: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Start or resume a conversation on ``ws``; the welcome frame carries the history.

        ``address`` is the client's: it may open only so many new conversations an hour.
        ``browser`` is the id the widget keeps in the browser's storage: it ties the
        conversation to the citizen's earlier ones (livechat/earlier.py)."""
        if browser is not None and (not isinstance(browser, str) or not earlier.BROWSER_ID.match(browser)):
            raise HandoffError("malformed", "Identificatorul browserului nu este valid; reîncărcați pagina.")
        now = self.clock()
        if conversation_id is None:
            if address is not None:
                verdict = await self.new_conversations.acheck(address, now.timestamp())
                if not verdict.allowed:
                    logger.warning("handoff: %s opens too many conversations", address)
                    minutes = max(1, -(-verdict.retry_after // 60))
                    raise HandoffError(
                        "too_many_conversations",
                        "Ați deschis prea multe conversații noi de pe această conexiune. "
                        "Continuați în conversația deschisă sau reveniți peste "
                        f"{count_text(minutes, 'un minut', 'minute')}.",
                        status=429,
                        retry_after=verdict.retry_after,
                    )
            conversation = self.store.create_conversation(now)
            conversation = await self._address_pause(conversation, address)
        else:
            conversation = self._conversation(conversation_id)
            self.store.citizen_seen(conversation.id, now)
        self.address_pauses.seen(conversation.id, address)
        if browser is not None:
            with self.store.session_scope() as connection:
                earlier.link(connection, conversation.id, earlier.BROWSER, earlier.browser_key(browser), now)
        self.hub.add_citizen(conversation.id, ws)
        history = [
            m.as_json() for m in self.store.transcript(conversation.id, HISTORY_LIMIT) if not m.clerk_only
        ]
        welcome = {
            "type": "welcome",
            "conversation_id": conversation.id,
            "history": history,
            "notice": RECORDING_NOTICE,
            "greeting": GREETING,
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
        address: Optional[str] = None,
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
        message_id = client_id if client_id and _CLIENT_ID.match(client_id) else uuid.uuid4().hex
        found, earlier = self.store.conversation_and_message(
            check_conversation_id(conversation_id), message_id
        )
        conversation = self._known(found)
        if earlier is not None:
            return earlier  # a resend after a reconnect: stored once
        await self._check_flood(conversation.id, address)
        self.address_pauses.seen(conversation.id, address)
        data = {"payload": payload} if payload else None
        paused = conversation.state in (BOT, CLOSED) and conversation.paused_at(self.clock())
        archived = dict(data or {})
        if paused:
            archived["unanswered"] = "paused"
        now = self.clock()
        to_bot = conversation.state in (BOT, CLOSED) and not paused

        def store_it(connection: Connection) -> "tuple[Message, bool, Optional[Conversation]]":
            # In the transaction of the message's archive turn (a closed conversation reopens).
            return self.store.citizen_message_in(
                connection, conversation.id, text, now, message_id, data=data, to_bot=to_bot,
                reopen=conversation.state == CLOSED,
            )  # fmt: skip

        stored = await self._archive_with(
            Turn(conversation.id, CITIZEN, text, source_key=message_id, extra=archived), store_it
        )
        assert stored is not None, "a write was given: its result"
        message, created, current = stored
        if not created:
            return message  # the same message arrived twice at once (two sockets or instances)
        await self.hub.to_citizen(conversation.id, message.as_json(), exclude=ws)
        conversation = current or self._conversation(conversation.id)
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

    async def citizen_typing(self, conversation_id: str) -> None:
        """The citizen is typing: the clerk who holds the conversation is told (nothing
        is stored; at most one frame a second per conversation)."""
        now = self.clock().timestamp()
        if now - self._typing.get(conversation_id, 0.0) < TYPING_EVERY_SECONDS:
            return
        conversation = self.store.conversation(conversation_id)
        if conversation is not None and conversation.state == CLERK:
            if len(self._typing) > 10_000:
                self._typing.clear()
            self._typing[conversation_id] = now
            await self._to_consoles(
                conversation, {"type": "typing", "conversation_id": conversation.id, "who": "citizen"}
            )

    async def _address_pause(self, conversation: Conversation, address: Optional[str]) -> Conversation:
        """A new ``conversation`` opened from a paused client address (an insult pause in
        another conversation of it) is paused until the same time, and the archive says
        why (``pause_follows_address``). Returns the conversation as it is now."""
        now = self.clock()
        pause = await self.address_pauses.apause_of(address, now)
        if pause is None or not self.settings.pause_follows_address:
            return conversation
        until, flag = pause
        if not self.store.pause(conversation.id, until, flag, now):
            return self._conversation(conversation.id)
        logger.info("handoff: %s paused like another conversation of its address", conversation.id)
        await self._system(
            conversation.id,
            archive.PAUSED,
            f"Conversația este suspendată până la ora {local_time(until)}.",
            extra={"until": until.isoformat(), "reason": "same_address", "flag": flag},
            flags=[flag] if flag else [],
        )
        return self._conversation(conversation.id)

    async def _check_flood(self, conversation_id: str, address: Optional[str] = None) -> None:
        """Refuse a message over the per-minute limit of its conversation or of its client
        address (nothing stored), and archive the first refusal of each flood."""
        now = self.clock().timestamp()
        if address is None:
            verdict, guard = await self.floods.acheck(conversation_id, now), self.floods
        else:  # the conversation's limit, then its address's (one round trip when shared)
            verdict, guard = await self.floods.acheck_then(conversation_id, self.address_floods, address, now)
        limit = guard.per_minute
        if verdict.allowed:
            return
        if verdict.first_refusal:
            logger.warning(
                "handoff: conversation %s sends more than %d messages a minute", conversation_id, limit
            )
            try:
                await self.sink.record(
                    Turn(
                        conversation_id,
                        SYSTEM,
                        f"Prea multe mesaje: peste {limit} într-un minut; mesajele în plus au fost refuzate.",
                        event=archive.RATE_LIMITED,
                        flags=("flood",),
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
