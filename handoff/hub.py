"""The websockets open on this Rasa server: citizens by conversation, consoles by clerk.

Sockets are the only thing kept in process memory (a socket lives in one process by
nature); every state they show comes from the database. Running several Rasa servers
behind a load balancer needs these sends relayed between instances (Redis pub/sub, see
handoff/README.md); that would replace this class, not its callers.
"""

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any, Dict, Iterable, List, Set

logger = logging.getLogger(__name__)


class Hub:
    def __init__(self) -> None:
        self.citizens: Dict[str, Set[Any]] = defaultdict(set)
        self.consoles: Dict[int, Set[Any]] = defaultdict(set)

    # -- registry ---------------------------------------------------------------------

    def add_citizen(self, conversation_id: str, ws: Any) -> None:
        self.citizens[conversation_id].add(ws)

    def remove_citizen(self, conversation_id: str, ws: Any) -> None:
        sockets = self.citizens.get(conversation_id)
        if sockets is not None:
            sockets.discard(ws)
            if not sockets:
                del self.citizens[conversation_id]

    def add_console(self, clerk_id: int, ws: Any) -> None:
        self.consoles[clerk_id].add(ws)

    def remove_console(self, clerk_id: int, ws: Any) -> None:
        sockets = self.consoles.get(clerk_id)
        if sockets is not None:
            sockets.discard(ws)
            if not sockets:
                del self.consoles[clerk_id]

    def connected_clerks(self) -> List[int]:
        return list(self.consoles)

    def connected_conversations(self) -> List[str]:
        return list(self.citizens)

    def citizen_online(self, conversation_id: str) -> bool:
        return bool(self.citizens.get(conversation_id))

    # -- sending ----------------------------------------------------------------------

    async def _send(self, sockets: Iterable[Any], frame: Dict[str, Any]) -> None:
        text = json.dumps(frame, ensure_ascii=False)
        targets = list(sockets)
        if not targets:
            return
        results = await asyncio.gather(*(ws.send(text) for ws in targets), return_exceptions=True)
        for ws, result in zip(targets, results):
            if isinstance(result, Exception):
                # The socket is closing; its handler removes it when its receive loop ends.
                logger.debug("handoff: send to a closing socket failed: %r", result)

    async def to_citizen(self, conversation_id: str, frame: Dict[str, Any], exclude: Any = None) -> None:
        await self._send(
            (ws for ws in self.citizens.get(conversation_id, ()) if ws is not exclude), frame
        )

    async def to_clerk(self, clerk_id: int, frame: Dict[str, Any]) -> None:
        await self._send(self.consoles.get(clerk_id, ()), frame)

    async def to_clerks(self, frame: Dict[str, Any]) -> None:
        await self._send((ws for group in self.consoles.values() for ws in group), frame)
