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
from typing import Any, Optional, Sequence, Tuple

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from livechat.limits import AddressPauses, FloodGuard, FloodVerdict, LoginThrottle

logger = logging.getLogger(__name__)

# KEYS: the window's sorted set, the "refusing" mark; ARGV: now (ms), window (ms), limit,
# a unique member. Returns {allowed, retry after (ms), first refusal}.
_SLIDING_WINDOW = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local count = redis.call('zcard', KEYS[1])
if count < limit then
    redis.call('zadd', KEYS[1], now, ARGV[4])
    redis.call('pexpire', KEYS[1], window)
    redis.call('del', KEYS[2])
    return {1, 0, 0}
end
local oldest = redis.call('zrange', KEYS[1], count - limit, count - limit, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
local first = redis.call('set', KEYS[2], '1', 'NX', 'PX', window) and 1 or 0
return {0, wait, first}
"""


class _RedisClient:
    """One Redis client per shared limit, opened on first use (``redis_url``)."""

    redis_url: str
    _redis: Optional[Any] = None

    def _client(self) -> Any:
        if self._redis is None:
            self._redis = aioredis.from_url(self.redis_url)
        return self._redis

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

    async def acheck(self, key: str, now: Optional[float] = None) -> FloodVerdict:
        now = time.time() if now is None else now
        try:
            allowed, wait_ms, first = await self._client().eval(
                _SLIDING_WINDOW, 2, f"{self.prefix}:{key}", f"{self.prefix}:{key}:refusing",
                int(now * 1000), int(self.WINDOW * 1000), self.per_minute,
                f"{int(now * 1000)}:{self._origin}:{next(self._ids)}",
            )  # fmt: skip
        except (RedisError, OSError) as error:
            logger.error(
                "handoff: shared limit %s unavailable (%s); counting on this instance", self.prefix, error
            )
            return self.check(key, now)
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
            await self._client().eval(
                _FAILED,
                len(keys),
                *(f"{self.prefix}:{k}" for k in keys),
                repr(time.time()),
                int(self.FORGET_AFTER),
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
