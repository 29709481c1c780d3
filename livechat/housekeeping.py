"""Every few seconds: presence heartbeats, clerks gone past their grace period, closing
time, pauses that ended, queued citizens whose page closed, unanswered messages; every
few minutes, the filled PDFs past their time (personal data: not kept a minute longer
than the link is valid)."""

import asyncio
import logging

from livechat import archive, filings
from livechat.bot import BotSide
from livechat.decision import (
    closing_text,
    registratura_email,
)
from livechat.filled_forms import filled_forms_of
from livechat.settings import clerk_grace

logger = logging.getLogger(__name__)

HOUSEKEEPING_LEASE = "housekeeping"
# The lease lasts this many rounds: a stopped holder's work moves to another instance then.
LEASE_ROUNDS = 3
# How often the kept PDFs are swept (seconds); a link past its time is refused meanwhile.
FILLED_SWEEP_SECONDS = 300.0
NO_CLERK_LEFT = (
    "Ne pare rău, niciun funcționar nu mai este disponibil acum, așa că nu vă poate prelua "
    "nimeni din coadă. Lăsați-ne un mesaj cu întrebarea și datele de contact: îl înregistrăm "
    "și vă răspundem în ziua lucrătoare următoare. Între timp, asistentul vă poate răspunde "
    "la întrebările despre cereri și acte."
)


class Housekeeping(BotSide):
    """The service's periodic round (``livechat.runtime.housekeeping_loop``)."""

    async def housekeeping(self) -> None:
        """One round: the heartbeats of the clerks and citizens connected to this instance;
        then, on the one instance that holds the lease (several Rasa instances: through
        Redis, livechat.hub), unanswered messages, clerks gone past the grace period,
        closing time, pauses that ended, citizens gone from the queue, old PDFs."""
        now = self.clock()
        self.store.touch_clerks(self.hub.connected_clerks(), now)
        self.store.citizens_seen(self.hub.connected_conversations(), now)
        if not await self.hub.lease(HOUSEKEEPING_LEASE, self.settings.housekeeping_seconds * LEASE_ROUNDS):
            return
        await self.redrive()
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
                    await self.hub.to_citizen(
                        conversation.id, self.state_frame(self._conversation(conversation.id))
                    )
            changed = True

        schedule = self.schedule()
        if not schedule.is_open(now):
            queue = self.store.queue()
            if queue:
                today = now.astimezone(schedule.timezone).date()
                text = closing_text(
                    schedule.next_opening(now), now, registratura_email(), schedule.closed_day_text(today)
                )
                for conversation in queue:
                    if self.store.leave_queue(conversation.id, now):
                        await self._system(
                            conversation.id, archive.HANDOFF_UNAVAILABLE, text,
                            extra={"reason": "closing_time"},
                        )  # fmt: skip
                        await self.hub.to_citizen(
                            conversation.id, self.state_frame(self._conversation(conversation.id))
                        )
                changed = True
        elif self.store.queue() and not self.store.active_clerks(now, clerk_grace()):
            # The last clerk left (closed the tab, went unavailable): nobody will take the
            # queue over, so the citizens are told and offered to leave a message.
            for conversation in self.store.queue():
                if self.store.leave_queue(conversation.id, now):
                    await self._system(
                        conversation.id, archive.HANDOFF_UNAVAILABLE, NO_CLERK_LEFT,
                        extra={"reason": "no_clerk_left",
                               "buttons": [filings.leave_message_button(conversation.id)]},
                    )  # fmt: skip
                    await self.hub.to_citizen(
                        conversation.id, self.state_frame(self._conversation(conversation.id))
                    )
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
        await self.sweep_filled_forms()

    async def sweep_filled_forms(self) -> int:
        """Delete the filled PDFs past their time (at most every FILLED_SWEEP_SECONDS)."""
        loop = asyncio.get_running_loop()
        last = getattr(self, "_filled_swept_at", None)
        if last is not None and loop.time() - last < FILLED_SWEEP_SECONDS:
            return 0
        self._filled_swept_at = loop.time()
        removed = await loop.run_in_executor(None, filled_forms_of(self).store.purge)
        if removed:
            logger.info("chat filling: %d filled PDFs past their time deleted", removed)
        return removed
