"""Rasa's ticket lock of a conversation, kept in Redis without blocking the event loop (issue 18).

Rasa's ``RedisLockStore`` makes a blocking redis-py round trip on the event loop for every
step of a message's lock (issue the ticket, check it, finish, is someone waiting, delete),
re-checks a taken lock once a second, and issues a ticket as read → modify → write: two
instances taking a ticket for one conversation at the same moment can both get the same
number, and both then hold the lock. :class:`AsyncRedisLockStore` keeps Rasa's ticket
lock — first come, first served; a ticket expires after the lock's lifetime, so that a
killed holder blocks nobody for longer — with each step one Lua script run by
``redis.asyncio``, hence atomic across instances and never blocking the loop. A waiter is
woken when the lock is released (directly in this process, by a PUBLISH from the others)
and re-checks at least every :data:`MAX_POLL_SECONDS` in case a wake-up is lost.

Configured as Rasa's own, with the same settings (endpoints.yml)::

    lock_store:
      type: livechat.lock_store.AsyncRedisLockStore
      url: redis        # host; port, db, username, password, use_ssl, ssl_*, key_prefix,
      port: 6379        # socket_timeout as for `type: redis`

Redis unreachable: each conversation's lock is an ``asyncio.Lock`` of this process
instead (the error logged once per outage), so the instance goes on as a single one would —
its own messages still taken one at a time — and tries Redis again after
:data:`RETRY_REDIS_SECONDS`. Two instances may then handle one conversation at once.
"""

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections import deque
from typing import Any, AsyncGenerator, Dict, List, Optional, Set, Text, Tuple

import redis.asyncio as aioredis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    LockError,
    LockStore,
)
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FIRST_POLL_SECONDS = 0.005
# A waiter is woken on release; this bounds the wait when a wake-up is lost (the
# subscription not yet open or reconnecting).
MAX_POLL_SECONDS = 0.1
RETRY_REDIS_SECONDS = 2.0

# A conversation's tickets are one sorted set: member "<number>:<token>:<expiry, ms of
# Redis's clock>", score the number; the token, chosen by the instance before it asks for
# the ticket, lets it withdraw a ticket whose number it never heard (cancelled while Redis
# answered). The holder is the lowest unexpired ticket; expired tickets are
# dropped as they reach the front. Redis's own clock (TIME) is the one clock of every
# instance. Redis removes an empty sorted set itself: no key is left once nobody waits.
_FRONT = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function front(key)
    while true do
        local first = redis.call('zrange', key, 0, 0)
        if #first == 0 then return nil, 0 end
        local expires = tonumber(string.match(first[1], ':(%d+)$'))
        if expires > now then return first[1], expires end
        redis.call('zrem', key, first[1])
    end
end
"""

# KEYS: tickets; ARGV: lifetime (ms), token. Returns {my ticket, 1 if I hold the lock, ms until
# the holder's ticket expires}. The set lives as long as its last ticket.
_ISSUE = (
    _FRONT
    + """
local lifetime = tonumber(ARGV[1])
front(KEYS[1])  -- expired tickets dropped first: an empty queue numbers from 1 again
local last = redis.call('zrange', KEYS[1], -1, -1, 'WITHSCORES')
local number = 1
if #last > 0 then number = tonumber(last[2]) + 1 end
local member = number .. ':' .. ARGV[2] .. ':' .. (now + lifetime)
redis.call('zadd', KEYS[1], number, member)
if redis.call('pttl', KEYS[1]) < lifetime then redis.call('pexpire', KEYS[1], lifetime) end
local first, expires = front(KEYS[1])
return {member, first == member and 1 or 0, expires - now}
"""
)

# KEYS: tickets; ARGV: my ticket. Returns {1 held / 0 wait / -1 my ticket expired, ms until
# the holder's ticket expires}.
_CHECK = (
    _FRONT
    + """
local first, expires = front(KEYS[1])
if first == ARGV[1] then return {1, 0} end
if tonumber(string.match(ARGV[1], ':(%d+)$')) <= now then
    redis.call('zrem', KEYS[1], ARGV[1])
    return {-1, 0}
end
return {0, expires - now}
"""
)

# KEYS: tickets; ARGV: my token, the release channel, the message's start. Removes my
# ticket if it is there; returns the next holder's ticket, published after the message's
# start, or false if nobody waits. A queue is one conversation's messages: a few tickets.
_RELEASE = (
    _FRONT
    + """
for _, member in ipairs(redis.call('zrange', KEYS[1], 0, -1)) do
    if string.find(member, ':' .. ARGV[1] .. ':', 1, true) then redis.call('zrem', KEYS[1], member) end
end
local next = front(KEYS[1])
if next == nil then return false end
redis.call('publish', ARGV[2], ARGV[3] .. ' ' .. next)
return next
"""
)

# The settings of Rasa's RedisLockStore, with its defaults.
_DEFAULTS: Dict[str, Any] = {
    "host": "localhost", "port": 6379, "db": 1, "username": None, "password": None,
    "use_ssl": False, "ssl_certfile": None, "ssl_keyfile": None, "ssl_ca_certs": None,
    "key_prefix": None, "socket_timeout": DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
}  # fmt: skip


class AsyncRedisLockStore(LockStore):
    """Rasa's ticket lock in Redis, atomic and asynchronous; see the module's docstring.

    Only :meth:`lock` is used by Rasa (agent, processor, server) and by the channel; the
    synchronous steps of Rasa's base class (``get_lock``, ``save_lock``, ``delete_lock`` and
    what is built on them) would block the loop and are refused.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **settings: Any) -> None:
        """Rasa builds it as ``AsyncRedisLockStore(endpoint_config=…)``: the endpoint's
        ``url`` is the host, its other keys are the settings of Rasa's ``RedisLockStore``
        (:data:`_DEFAULTS`); tests pass the settings directly. An unknown setting, or a key
        prefix that is not alphanumeric, stops the start with its name."""
        if endpoint_config is not None:
            settings = dict(endpoint_config.kwargs)
            if endpoint_config.url:
                settings["host"] = endpoint_config.url
        unknown = sorted(set(settings) - set(_DEFAULTS))
        if unknown:
            raise ValueError(
                f"endpoints.yml lock_store: unknown setting(s) {', '.join(unknown)}; "
                f"known: url, {', '.join(sorted(set(_DEFAULTS) - {'host'}))}"
            )
        options = {**_DEFAULTS, **settings}
        key_prefix = options["key_prefix"]
        if key_prefix is not None and not (isinstance(key_prefix, str) and key_prefix.isalnum()):
            raise ValueError(f"endpoints.yml lock_store: key_prefix {key_prefix!r} must be alphanumeric")
        # Rasa's prefix ("<key_prefix>:lock:"), then a name of our own: an instance still
        # running Rasa's store (a JSON string per conversation) never meets these keys.
        prefix = (
            f"{key_prefix}:{DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX}"
            if key_prefix
            else DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        )
        self.key_prefix = f"{prefix}tickets:"
        self.channel = f"{prefix}released"
        self.socket_timeout = float(options["socket_timeout"])
        self._connection: Dict[str, Any] = dict(
            host=options["host"], port=int(options["port"]), db=int(options["db"]),
            username=options["username"], password=options["password"], ssl=bool(options["use_ssl"]),
            ssl_certfile=options["ssl_certfile"], ssl_keyfile=options["ssl_keyfile"],
            ssl_ca_certs=options["ssl_ca_certs"], socket_connect_timeout=self.socket_timeout,
        )  # fmt: skip
        self.origin = uuid.uuid4().hex
        self._redis: Optional[Any] = None
        self._scripts: Dict[str, Any] = {}
        self._listener: Optional["asyncio.Task[None]"] = None
        self._waiting: Dict[str, Dict[str, asyncio.Event]] = {}  # conversation → ticket → waiter
        self._local: Dict[str, Tuple[asyncio.Lock, List[int]]] = {}
        self._abandoned: Set["asyncio.Task[str]"] = set()  # takes cancelled, still running
        self._cleanups: Set["asyncio.Task[None]"] = set()  # their withdrawals
        self._down_until = 0.0  # monotonic; Redis is not tried again before
        self._outage = False
        super().__init__()

    def _client(self) -> Any:
        """The client, opened on first use: on the loop that uses it, nothing at import."""
        if self._redis is None:
            self._redis = aioredis.Redis(**self._connection, socket_timeout=self.socket_timeout)
            for name, source in (("issue", _ISSUE), ("check", _CHECK), ("release", _RELEASE)):
                self._scripts[name] = self._redis.register_script(source)
        return self._redis

    async def _run(self, script: str, conversation_id: Text, *args: Any) -> Any:
        self._client()
        result = await self._scripts[script](keys=[self.key_prefix + conversation_id], args=list(args))
        if self._outage:
            self._outage = False
            logger.info("lock store: Redis reachable again; conversation locks are shared again")
        return result

    def _unavailable(self, conversation_id: Text, error: Exception) -> None:
        self._down_until = time.monotonic() + RETRY_REDIS_SECONDS
        if not self._outage:
            self._outage = True
            logger.error(
                "lock store: Redis unavailable (%s) at conversation %s; each conversation is "
                "locked in this instance only until it is back",
                error,
                conversation_id,
            )

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = MAX_POLL_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the lock of ``conversation_id`` for the block.

        Tickets are served in the order issued; a ticket lives ``lock_lifetime`` seconds
        from its issue (a holder that runs longer is overtaken, as in Rasa). Raises Rasa's
        ``LockError`` if this ticket expired before its turn came. A waiter re-checks at
        least every ``wait_time_in_seconds`` (at most :data:`MAX_POLL_SECONDS`).
        """
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        token = uuid.uuid4().hex
        ticket: Optional[str] = None
        if time.monotonic() >= self._down_until:
            taking = asyncio.ensure_future(
                self._take(conversation_id, lifetime_ms, token, min(wait_time_in_seconds, MAX_POLL_SECONDS))
            )
            try:
                # Shielded: a cancellation reaches this block even when redis-py swallows
                # it inside the task (its ``can_read_destructive`` polls the socket under
                # ``async_timeout(0)``, which on Python 3.10 takes a cancel arriving in the
                # same turn for its own timeout; the waiter went on and took the lock when
                # the holder's ticket expired).
                ticket = await asyncio.shield(taking)
            except BaseException as error:
                if not taking.done():
                    # Still running, it might yet be issued or given the lock: withdrawn
                    # again when it ends.
                    taking.cancel()
                    self._abandoned.add(taking)
                    taking.add_done_callback(functools.partial(self._withdraw_after, conversation_id, token))
                elif not taking.cancelled():
                    taking.exception()  # ended as this was cancelled: nobody else reads it
                # Cancelled (maybe after Redis issued the ticket), expired or Redis lost: the
                # ticket must not stay in the queue, where it would hold up the conversation
                # for its lifetime.
                with contextlib.suppress(RedisError, OSError):
                    await self._withdraw(conversation_id, token)
                if not isinstance(error, (RedisError, OSError)):
                    raise
                self._unavailable(conversation_id, error)
                ticket = None
        if ticket is None:
            async with self._local_lock(conversation_id, lock_lifetime):
                yield TicketLock(conversation_id, deque([Ticket(0, time.time() + lock_lifetime)]))
            return
        try:
            number, _, expires_ms = ticket.split(":")
            yield TicketLock(conversation_id, deque([Ticket(int(number), int(expires_ms) / 1000)]))
        finally:
            await self._release(conversation_id, token)

    async def _take(self, conversation_id: Text, lifetime_ms: int, token: str, max_poll: float) -> str:
        """The ticket of ``token``, once it holds the lock."""
        issued, held, holder_ms = await self._run("issue", conversation_id, lifetime_ms, token)
        ticket: str = issued.decode()
        if not held:
            await self._wait(conversation_id, ticket, int(holder_ms), max_poll)
        return ticket

    def _withdraw_after(self, conversation_id: Text, token: str, taking: "asyncio.Task[str]") -> None:
        """A cancelled :meth:`_take` has ended: withdraw what it may have been issued."""
        self._abandoned.discard(taking)
        if not taking.cancelled():
            taking.exception()  # retrieved: it was answered to nobody
        cleanup = asyncio.ensure_future(self._release(conversation_id, token))
        self._cleanups.add(cleanup)
        cleanup.add_done_callback(self._cleanups.discard)

    async def _wait(self, conversation_id: Text, ticket: str, holder_ms: int, max_poll: float) -> None:
        """Until ``ticket`` is the lowest unexpired one: woken when the holder releases the
        lock to it, or at the holder's expiry, or by a poll whose delay grows from
        :data:`FIRST_POLL_SECONDS`."""
        self._listen()
        delay = FIRST_POLL_SECONDS
        woken = asyncio.Event()
        waiting = self._waiting.setdefault(conversation_id, {})
        waiting[ticket] = woken
        try:
            while True:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(woken.wait(), timeout=min(delay, max(holder_ms, 1) / 1000))
                woken.clear()  # before the check: a release after it wakes the next wait
                delay = min(delay * 2, max_poll)
                state, holder_ms = await self._run("check", conversation_id, ticket)
                if state == 1:
                    return
                if state == -1:
                    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
        finally:
            del waiting[ticket]
            if not waiting and self._waiting.get(conversation_id) is waiting:
                del self._waiting[conversation_id]

    def _message(self, conversation_id: Text) -> str:
        """The start of a release message: ``<origin> <conversation id>``, then the script
        adds `` <next ticket>`` (tickets have no space; a conversation id may)."""
        return f"{self.origin} {conversation_id}"

    async def _withdraw(self, conversation_id: Text, token: str) -> None:
        """Remove the ticket of ``token`` (held or waiting) and wake the next holder."""
        next_ticket = await self._run(
            "release", conversation_id, token, self.channel, self._message(conversation_id)
        )
        if next_ticket:
            self._wake(conversation_id, next_ticket.decode())

    async def _release(self, conversation_id: Text, token: str) -> None:
        try:
            await self._withdraw(conversation_id, token)
        except (RedisError, OSError) as error:  # the ticket expires by itself
            self._unavailable(conversation_id, error)

    def _wake(self, conversation_id: Text, ticket: str) -> None:
        """Wake the waiter of ``ticket`` if it is in this process (only it may go on)."""
        woken = self._waiting.get(conversation_id, {}).get(ticket)
        if woken is not None:
            woken.set()

    def _listen(self) -> None:
        """Start, once, the subscription to the releases of the other instances."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.ensure_future(self._subscription())

    async def _subscription(self) -> None:
        # Its own client: a subscription waits for messages without a read timeout.
        client = aioredis.Redis(**self._connection)
        delay = 0.5
        try:
            while True:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                try:
                    await pubsub.subscribe(self.channel)
                    delay = 0.5
                    async for message in pubsub.listen():
                        origin, _, rest = message["data"].decode(errors="replace").partition(" ")
                        conversation_id, _, ticket = rest.rpartition(" ")
                        if origin != self.origin:
                            self._wake(conversation_id, ticket)
                except (RedisError, OSError) as error:  # waiters poll meanwhile
                    logger.warning(
                        "lock store: release subscription lost (%s); retrying in %.1fs", error, delay
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 30)
                finally:
                    await pubsub.close()
        finally:
            await client.close()

    @contextlib.asynccontextmanager
    async def _local_lock(self, conversation_id: Text, lock_lifetime: float) -> AsyncGenerator[None, None]:
        """This process's lock of the conversation while Redis is away; forgotten when
        nobody holds or waits for it. Bounded like Redis's tickets: ``LockError`` past
        ``lock_lifetime``."""
        lock, users = self._local.setdefault(conversation_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            try:
                await asyncio.wait_for(lock.acquire(), timeout=lock_lifetime)
            except asyncio.TimeoutError:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.") from None
            try:
                yield
            finally:
                lock.release()
        finally:
            users[0] -= 1
            if not users[0]:
                del self._local[conversation_id]

    async def close(self) -> None:
        """Stop the subscription and close the connections (the server stopping)."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._abandoned:
            for taking in self._abandoned:
                taking.cancel()
            await asyncio.wait(set(self._abandoned), timeout=1)
        await asyncio.gather(*self._cleanups, return_exceptions=True)
        if self._redis is not None:
            await self._redis.close()
            self._redis = None

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raise NotImplementedError("AsyncRedisLockStore is used through `async with lock(...)` only")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("AsyncRedisLockStore is used through `async with lock(...)` only")

    def delete_lock(self, conversation_id: Text) -> None:
        raise NotImplementedError("AsyncRedisLockStore is used through `async with lock(...)` only")
