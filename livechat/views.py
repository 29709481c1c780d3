"""What the clerks' consoles show: conversations, the queue, the clerks present; and the
frames that tell every console when the queue or the clerks change."""

import logging
from typing import Any, Dict, List, Optional

from livechat.core import ServiceCore
from livechat.decision import (
    wait_estimate_minutes,
)
from livechat.settings import clerk_grace
from livechat.store import Clerk, Conversation
from livechat.tables import (
    FLAG_REASONS,
)

logger = logging.getLogger(__name__)

QUEUE_PREVIEW_LIMIT = 50


class ConsoleViews(ServiceCore):
    """The console's views of the live chat."""

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

    def queue_view(self) -> List[Dict[str, Any]]:
        now = self.clock()
        items = []
        for position, conversation in enumerate(self.store.queue(), start=1):
            view = self.conversation_view(conversation, QUEUE_PREVIEW_LIMIT)
            view["position"] = position
            view["waiting_seconds"] = (
                int((now - conversation.queued_at).total_seconds()) if conversation.queued_at else 0
            )
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
