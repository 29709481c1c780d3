"""The websockets open on this Rasa server: citizens by conversation, consoles by clerk.

Sockets are the only thing kept in process memory (a socket lives in one process by
nature); every state they show comes from the database.

:class:`Hub` delivers frames to the sockets of this process. :class:`RedisHub` (chosen
with ``redis_url`` in the channel's credentials) also relays every frame through Redis
pub/sub, so that with several Rasa servers behind a load balancer a citizen connected to
one instance sees the clerk who answers from another.
"""

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from typing import Any, Dict, Iterable, List, Optional, Set

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CITIZEN, CLERK, CLERKS = "citizen", "clerk", "clerks"

#: Frames at most waiting to be relayed through Redis (a few seconds of a busy instance's).
OUTBOX_LIMIT = 10_000
#: Seconds a stopping hub waits for its outbox to be relayed.
RELAY_STOP_SECONDS = 5.0


def _encode(frame: Dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False)


class Hub:
    """Frames to the sockets of this process only."""

    distributed = False

    def __init__(self) -> None:
        self.citizens: Dict[str, Set[Any]] = defaultdict(set)
        self.consoles: Dict[int, Set[Any]] = defaultdict(set)

    async def start(self) -> None:
        """Begin relaying (nothing to do for a single process)."""

    async def stop(self) -> None:
        """Stop relaying."""

    async def lease(self, name: str, seconds: float) -> bool:
        """Whether this instance holds the lease ``name`` for the next ``seconds`` (taken or
        renewed now): the work that must run once across instances runs where it is held.
        A single process always holds it."""
        return True

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

    async def _send(self, sockets: Iterable[Any], text: str) -> None:
        """Send the encoded frame ``text`` to ``sockets``."""
        targets = list(sockets)
        if not targets:
            return
        results = await asyncio.gather(*(ws.send(text) for ws in targets), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                # The socket is closing; its handler removes it when its receive loop ends.
                logger.debug("handoff: send to a closing socket failed: %r", result)

    async def deliver(self, target: str, key: Any, frame: Dict[str, Any], exclude: Any = None) -> None:
        """Send ``frame`` to the matching sockets of this process."""
        await self._deliver_text(target, key, _encode(frame), exclude)

    async def _deliver_text(self, target: str, key: Any, text: str, exclude: Any = None) -> None:
        if target == CITIZEN:
            sockets: Iterable[Any] = self.citizens.get(key, ())
        elif target == CLERK:
            sockets = self.consoles.get(key, ())
        else:
            sockets = [ws for group in self.consoles.values() for ws in group]
        await self._send((ws for ws in sockets if ws is not exclude), text)

    async def publish(self, target: str, key: Any, frame: Dict[str, Any], exclude: Any = None) -> None:
        await self.deliver(target, key, frame, exclude)

    async def to_citizen(self, conversation_id: str, frame: Dict[str, Any], exclude: Any = None) -> None:
        await self.publish(CITIZEN, conversation_id, frame, exclude)

    async def to_clerk(self, clerk_id: int, frame: Dict[str, Any]) -> None:
        await self.publish(CLERK, clerk_id, frame)

    async def to_clerks(self, frame: Dict[str, Any]) -> None:
        await self.publish(CLERKS, None, frame)


class RedisHub(Hub):
    """A :class:`Hub` whose frames also reach the sockets of the other Rasa instances.

    Each frame is delivered here at once and published on one Redis channel; every
    instance delivers the frames published by the others. If Redis is down, local
    delivery goes on and the relay reconnects with a growing delay (logged).
    """

    distributed = True

    def __init__(self, url: str, channel: str = "efunctionar:handoff") -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self._redis: Optional[Any] = None
        self._listener: Optional["asyncio.Task[None]"] = None
        self._subscribed = asyncio.Event()
        # Frames waiting to be relayed, in the order they were delivered here, and the task
        # that relays them (see :meth:`publish`).
        self._outbox: List[str] = []
        self._relay: Optional["asyncio.Task[None]"] = None
        self._dropped = 0

    async def start(self) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(self.url)
        self._listener = asyncio.ensure_future(self._listen())
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout=5)
        except asyncio.TimeoutError:
            logger.error("handoff: Redis at %s not reachable yet; relaying when it is", self.url)

    async def stop(self) -> None:
        if self._relay is not None:  # what was delivered here goes out to the others too
            try:
                await asyncio.wait_for(asyncio.shield(self._relay), timeout=RELAY_STOP_SECONDS)
            except asyncio.TimeoutError:
                logger.error("handoff: %d frame(s) not relayed at the stop", len(self._outbox))
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except asyncio.CancelledError:
                pass
        if self._redis is not None:
            await self._redis.close()

    # Take the lease if it is free, renew it if it is ours: one atomic step in Redis.
    _LEASE_SCRIPT = """
    if redis.call('get', KEYS[1]) == ARGV[1] then
        return redis.call('pexpire', KEYS[1], ARGV[2])
    end
    if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
    return 0
    """

    async def lease(self, name: str, seconds: float) -> bool:
        """The lease ``name`` in Redis (key ``<channel>:lease:<name>``), held by one instance
        at a time and renewed by it each round; when its holder stops, another takes it after
        ``seconds``. Redis away: this instance does the work itself (logged) — twice rather
        than never: the shared work is made of conditional updates."""
        if self._redis is None:
            return True
        try:
            held = await self._redis.eval(
                self._LEASE_SCRIPT, 1, f"{self.channel}:lease:{name}", self.origin, int(seconds * 1000)
            )
        except (RedisError, OSError) as error:
            logger.error("handoff: Redis lease %s unavailable (%s); running it on this instance", name, error)
            return True
        return bool(held)

    async def _listen(self) -> None:
        delay = 0.5
        assert self._redis is not None, "start() connects before listening"
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._subscribed.set()
                delay = 0.5
                async for message in pubsub.listen():
                    await self._on_message(message)
            except asyncio.CancelledError:
                await pubsub.close()
                raise
            except (RedisError, OSError) as error:  # a lost connection is retried, loudly
                self._subscribed.clear()
                logger.error("handoff: Redis relay interrupted (%s); retrying in %.1fs", error, delay)
                await pubsub.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)

    async def _on_message(self, message: Dict[str, Any]) -> None:
        """Deliver a frame another instance published (see :meth:`publish`); this
        instance's own, which Redis sends back to it too, are dropped unread."""
        try:
            origin, target, key, text = message["data"].decode().split("\n", 3)
            if origin == self.origin:
                return
            key = json.loads(key)
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.error("handoff: malformed relay message on %s dropped", self.channel)
            return
        await self._deliver_text(target, key, text)

    async def publish(self, target: str, key: Any, frame: Dict[str, Any], exclude: Any = None) -> None:
        """Deliver ``frame`` here, then relay it to the other instances. The relayed message
        is four lines — origin, target, key (JSON), the frame as this instance's sockets got
        it — so that a frame is encoded once, and an instance recognises its own without
        decoding anything (JSON has no raw line break).

        The relay does not hold up the sender: the frame joins an outbox that one task
        sends in a Redis pipeline, with every frame published meanwhile (one round trip and
        one connection from the pool for all of them, not one each), in the order they were
        delivered here. Redis away or slow: delivery here goes on, and what could not be
        relayed is logged with its count (the outbox keeps at most :data:`OUTBOX_LIMIT`)."""
        text = _encode(frame)
        await self._deliver_text(target, key, text, exclude)
        if self._redis is None:  # not started: this instance's sockets only
            return
        if len(self._outbox) >= OUTBOX_LIMIT:
            self._dropped += 1
            if self._dropped == 1:  # said once, and counted when the relay is back
                logger.error("handoff: relay outbox full (Redis not answering); frames not relayed")
            return
        self._outbox.append("\n".join((self.origin, target, json.dumps(key), text)))
        if self._relay is None or self._relay.done():
            self._relay = asyncio.ensure_future(self._relay_outbox())

    async def _relay_outbox(self) -> None:
        """Publish the outbox's frames, a pipeline at a time, until it is empty."""
        assert self._redis is not None, "publish() queues only once started"
        while self._outbox:
            batch, self._outbox = self._outbox, []
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for envelope in batch:
                        pipe.publish(self.channel, envelope)
                    await pipe.execute()
            except (RedisError, OSError) as error:  # these frames reached this instance only
                logger.error("handoff: %d frame(s) not relayed to other instances: %s", len(batch), error)
            except Exception:  # noqa: BLE001 - nobody awaits this task: said here, and it goes on
                logger.exception("handoff: %d frame(s) not relayed to other instances", len(batch))
            else:
                if self._dropped:
                    logger.error(
                        "handoff: %d frame(s) were not relayed while the outbox was full", self._dropped
                    )
                    self._dropped = 0
