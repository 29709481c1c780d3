"""The citizens' limits, the insult pauses of addresses and the login throttle across instances, in Redis (several Rasa instances, issue 18).

:class:`~livechat.limits.FloodGuard` counts in its process: behind a load balancer without
sticky sessions a citizen's messages land on every instance, and each would allow the
limit again. :class:`SharedFloodGuard` keeps the same sliding window in Redis (a sorted set
per key, changed in one atomic script), so that the limit holds for the whole deployment.
If Redis is away, the instance falls back to counting on its own (logged): the limit is
looser for a while, never a refusal of every citizen.
"""

import datetime as dt
import itertools
import logging
import math
import time
import uuid
from typing import Any, Dict, List, Optional, Sequence, Tuple

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from livechat.limits import AddressPauses, FloodGuard, FloodVerdict, LoginThrottle

logger = logging.getLogger(__name__)

# One window: its sorted set, its "refusing" mark, now (ms), window (ms), limit, a unique
# member. Returns {allowed, retry after (ms), first refusal}.
_WINDOW = """
local function window(key, refusing, now, span, limit, member)
    redis.call('zremrangebyscore', key, '-inf', now - span)
    local count = redis.call('zcard', key)
    if count < limit then
        redis.call('zadd', key, now, member)
        redis.call('pexpire', key, span)
        redis.call('del', refusing)
        return {1, 0, 0}
    end
    local oldest = redis.call('zrange', key, count - limit, count - limit, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + span - now
    local first = redis.call('set', refusing, '1', 'NX', 'PX', span) and 1 or 0
    return {0, wait, first}
end
"""
# KEYS: the window's sorted set, the "refusing" mark; ARGV: now, window, limit, member.
_SLIDING_WINDOW = (
    _WINDOW
    + """
return window(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
"""
)
# Two windows in one round trip, the second counted only if the first allows (as two
# checks one after the other). KEYS: both windows' set and mark; ARGV: now, then window,
# limit and member of each. Returns the verdict of the one that refused, or the second's,
# and which (1 or 2).
_TWO_WINDOWS = (
    _WINDOW
    + """
local now = tonumber(ARGV[1])
local verdict = window(KEYS[1], KEYS[2], now, tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
if verdict[1] == 0 then
    return {0, verdict[2], verdict[3], 1}
end
verdict = window(KEYS[3], KEYS[4], now, tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
return {verdict[1], verdict[2], verdict[3], 2}
"""
)


class _RedisClient:
    """One Redis client per shared limit, opened on first use (``redis_url``)."""

    redis_url: str
    _redis: Optional[Any] = None
    _scripts: Dict[str, Any]  # by source, with the client

    def _client(self) -> Any:
        if self._redis is None:
            self._redis = aioredis.from_url(self.redis_url)
            self._scripts = {}
        return self._redis

    def _script(self, source: str) -> Any:
        """``source`` registered with the client: run by its hash (EVALSHA), not resent."""
        client = self._client()
        if source not in self._scripts:
            self._scripts[source] = client.register_script(source)
        return self._scripts[source]

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.close()


class SharedFloodGuard(_RedisClient, FloodGuard):
    """At most ``per_minute`` events per key in any window, over every instance."""

    def __init__(self, redis_url: str, prefix: str, per_minute: int, window: float = 60.0) -> None:
        super().__init__(per_minute, window=window)
        self.redis_url = redis_url
        self.prefix = prefix
        self._ids = itertools.count()
        self._origin = uuid.uuid4().hex[:12]

    def _keys(self, key: str) -> List[str]:
        return [f"{self.prefix}:{key}", f"{self.prefix}:{key}:refusing"]

    def _args(self, now: float) -> List[Any]:
        return [
            int(self.WINDOW * 1000),
            self.per_minute,
            f"{int(now * 1000)}:{self._origin}:{next(self._ids)}",
        ]

    def _unavailable(self, error: Exception) -> None:
        logger.error(
            "handoff: shared limit %s unavailable (%s); counting on this instance", self.prefix, error
        )

    async def acheck(self, key: str, now: Optional[float] = None) -> FloodVerdict:
        now = time.time() if now is None else now
        try:
            allowed, wait_ms, first = await self._script(_SLIDING_WINDOW)(
                keys=self._keys(key), args=[int(now * 1000), *self._args(now)]
            )
        except (RedisError, OSError) as error:
            self._unavailable(error)
            return self.check(key, now)
        return _verdict(allowed, wait_ms, first)

    async def acheck_then(
        self, key: str, then: FloodGuard, then_key: str, now: Optional[float] = None
    ) -> Tuple[FloodVerdict, FloodGuard]:
        """Both limits in one round trip when ``then`` is shared through the same Redis."""
        if not (isinstance(then, SharedFloodGuard) and then.redis_url == self.redis_url):
            return await super().acheck_then(key, then, then_key, now)
        now = time.time() if now is None else now
        try:
            allowed, wait_ms, first, which = await self._script(_TWO_WINDOWS)(
                keys=self._keys(key) + then._keys(then_key),
                args=[int(now * 1000), *self._args(now), *then._args(now)],
            )
        except (RedisError, OSError) as error:
            self._unavailable(error)
            verdict = self.check(key, now)
            return (verdict, self) if not verdict.allowed else (then.check(then_key, now), then)
        return _verdict(allowed, wait_ms, first), (self if int(which) == 1 else then)


def _verdict(allowed: Any, wait_ms: Any, first: Any) -> FloodVerdict:
    if allowed:
        return FloodVerdict(True)
    return FloodVerdict(False, max(1, math.ceil(int(wait_ms) / 1000)), bool(first))


# KEYS: the keys that failed; ARGV: now (s), how long a failure counts (s).
_FAILED = """
for _, key in ipairs(KEYS) do
    redis.call('hincrby', key, 'f', 1)
    redis.call('hset', key, 't', ARGV[1])
    redis.call('expire', key, ARGV[2])
end
return 1
"""


class SharedLoginThrottle(_RedisClient, LoginThrottle):
    """:class:`~livechat.limits.LoginThrottle` with its failures kept in Redis, so that a
    guesser spreading attempts over the instances is slowed as on one. Each key is a hash
    (failures, time of the last one) that expires :data:`FORGET_AFTER` after its last
    failure: memory stays bounded without forgetting anyone still waiting. Redis away:
    this instance's own count (logged)."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        super().__init__()
        self.redis_url = redis_url
        self.prefix = prefix

    def _unavailable(self, error: Exception) -> None:
        logger.error(
            "login throttle %s: Redis unavailable (%s); counting on this instance", self.prefix, error
        )

    async def await_wait(self, keys: Sequence[str]) -> float:
        now = time.time()
        try:
            pipe = self._client().pipeline()
            for key in keys:
                pipe.hmget(f"{self.prefix}:{key}", "f", "t")
            rows = await pipe.execute()
        except (RedisError, OSError) as error:
            self._unavailable(error)
            return self.wait(keys)
        waits = [0.0]
        for failures, last in rows:
            if failures is not None and last is not None:
                waits.append(float(last) + self.delay_after(int(failures)) - now)
        return max(0.0, max(waits))

    async def record_failure(self, keys: Sequence[str]) -> None:
        try:
            await self._script(_FAILED)(
                keys=[f"{self.prefix}:{k}" for k in keys], args=[repr(time.time()), int(self.FORGET_AFTER)]
            )
        except (RedisError, OSError) as error:
            self._unavailable(error)
            self.failed(keys)

    async def record_success(self, keys: Sequence[str]) -> None:
        try:
            if keys:
                await self._client().delete(*(f"{self.prefix}:{k}" for k in keys))
        except (RedisError, OSError) as error:
            self._unavailable(error)
            self.succeeded(keys)


class SharedAddressPauses(_RedisClient, AddressPauses):
    """:class:`~livechat.limits.AddressPauses` whose pauses every instance sees: a citizen
    paused for insults on one instance who clears the browser's storage and lands on
    another is paused there too. Each address's pause is a Redis key (the time it ends and
    the flag) that expires when the pause does. Which address a conversation was last
    used from stays in this process (the instance that holds the citizen's socket is the
    one whose bot pauses it). Redis away: this instance's own record (logged)."""

    def __init__(self, redis_url: str, prefix: str, max_entries: int = 10_000) -> None:
        super().__init__(max_entries)
        self.redis_url = redis_url
        self.prefix = prefix

    def _unavailable(self, error: Exception) -> None:
        logger.error("handoff: shared pauses %s unavailable (%s); kept on this instance", self.prefix, error)

    async def apaused(self, conversation_id: str, until: dt.datetime, flag: Optional[str]) -> None:
        self.paused(conversation_id, until, flag)
        address = self._addresses.get(conversation_id)
        if address is None:
            return
        try:
            await self._client().set(
                f"{self.prefix}:{address}", f"{until.isoformat()}|{flag or ''}",
                pxat=max(1, int(until.timestamp() * 1000)),
            )  # fmt: skip
        except (RedisError, OSError) as error:
            self._unavailable(error)

    async def apause_of(
        self, address: Optional[str], now: dt.datetime
    ) -> Optional[Tuple[dt.datetime, Optional[str]]]:
        if address is None:
            return None
        try:
            raw = await self._client().get(f"{self.prefix}:{address}")
        except (RedisError, OSError) as error:
            self._unavailable(error)
            return self.pause_of(address, now)
        if raw is None:
            return None
        until_text, _, flag = raw.decode().partition("|")
        until = dt.datetime.fromisoformat(until_text)
        return (until, flag or None) if until > now else None
