"""Limits against floods of citizen messages and password guessing."""

import datetime as dt
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Deque, Dict, Optional, Sequence, Set, Tuple


class RateLimit:
    """At most ``limit`` events in any ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.times: Deque[float] = deque()

    def allow(self, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        while self.times and now - self.times[0] >= self.window:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return False
        self.times.append(now)
        return True

    def retry_after(self, now: Optional[float] = None) -> float:
        """Seconds until :meth:`allow` would say yes again (0 when it would now)."""
        now = time.monotonic() if now is None else now
        live = [t for t in self.times if now - t < self.window]
        if len(live) < self.limit:
            return 0.0
        return max(0.0, live[len(live) - self.limit] + self.window - now)


@dataclass(frozen=True)
class FloodVerdict:
    """Whether a citizen message may go on; if not, how long to wait.

    Attributes:
        allowed: the message is within the limit (and was counted).
        retry_after: whole seconds until a message would be accepted again.
        first_refusal: the first refused message since the last accepted one (a new
            flood, worth one audit record rather than one per message).
    """

    allowed: bool
    retry_after: int = 0
    first_refusal: bool = False


class FloodGuard:
    """At most ``per_minute`` citizen messages per conversation in any 60 s, in this process.

    Refused messages do not count, so a citizen who waits is served again as soon as the
    oldest accepted message leaves the window. With several instances, the service uses
    :class:`livechat.shared_limits.SharedFloodGuard` instead, counted in Redis.
    """

    WINDOW = 60.0

    def __init__(self, per_minute: int, max_conversations: int = 10_000, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.WINDOW = window
        self.max_conversations = max_conversations
        self._rates: Dict[str, RateLimit] = {}
        self._refusing: Set[str] = set()

    def check(self, conversation_id: str, now: Optional[float] = None) -> FloodVerdict:
        now = time.monotonic() if now is None else now
        rate = self._rates.get(conversation_id)
        if rate is None:
            if len(self._rates) >= self.max_conversations:
                # Bounded memory: forget the conversations idle for a whole window.
                for key in [
                    k for k, r in self._rates.items() if not r.times or now - r.times[-1] >= self.WINDOW
                ]:
                    del self._rates[key]
                    self._refusing.discard(key)
            rate = self._rates[conversation_id] = RateLimit(self.per_minute, self.WINDOW)
        if rate.allow(now):
            self._refusing.discard(conversation_id)
            return FloodVerdict(True)
        first = conversation_id not in self._refusing
        self._refusing.add(conversation_id)
        return FloodVerdict(False, max(1, math.ceil(rate.retry_after(now))), first)

    async def acheck(self, key: str, now: Optional[float] = None) -> FloodVerdict:
        """:meth:`check`, as the service calls every guard (a shared one asks Redis)."""
        return self.check(key, now)

    async def acheck_then(
        self, key: str, then: "FloodGuard", then_key: str, now: Optional[float] = None
    ) -> "Tuple[FloodVerdict, FloodGuard]":
        """This limit for ``key``, then — if it allows — ``then``'s for ``then_key``: the
        verdict that counts, and the guard that gave it."""
        verdict = await self.acheck(key, now)
        if not verdict.allowed:
            return verdict, self
        return await then.acheck(then_key, now), then

    async def close(self) -> None:
        """Release what the guard holds (nothing, in one process)."""


class LoginThrottle:
    """Failed logins, answered with a growing delay — never a lock-out a stranger can impose.

    Failures are counted under three keys: the client address, the (account, address)
    pair, and the account. After :data:`FREE_FAILURES` failures under a key, each further
    attempt must wait :data:`BASE_DELAY` seconds, doubling with every failure up to
    :data:`MAX_DELAY`; failures older than :data:`FORGET_AFTER` count no more. An address
    or a pair that must wait is refused (429 with the wait); the account key only slows
    every attempt on that account (at most :data:`ACCOUNT_SLOWDOWN` seconds), so guesses
    from many addresses are slowed but the account's owner, from their own address, still
    gets in.

    Memory is bounded: at ``max_entries`` the entry whose last failure is oldest and whose
    wait is over makes room. An entry still making someone wait is never forgotten to make
    room (wave 1 emptied the whole table at 10,000 usernames, freeing the blocked ones):
    while every entry is waiting, new keys share one overflow entry, throttled together.
    """

    FREE_FAILURES = 5
    BASE_DELAY = 2.0
    MAX_DELAY = 300.0
    FORGET_AFTER = 900.0
    ACCOUNT_SLOWDOWN = 2.0
    OVERFLOW = "overflow"

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        # key -> (failures, time of the last failure), oldest last failure first.
        self._entries: "OrderedDict[str, Tuple[int, float]]" = OrderedDict()

    @classmethod
    def delay_after(cls, failures: int) -> float:
        """Seconds an attempt must wait after ``failures`` failures."""
        if failures < cls.FREE_FAILURES:
            return 0.0
        doublings = min(failures - cls.FREE_FAILURES, 32)  # past the cap anyway
        return min(cls.MAX_DELAY, cls.BASE_DELAY * 2**doublings)

    def _live(self, key: str, now: float) -> Optional[Tuple[int, float]]:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries.get(self.OVERFLOW) if len(self._entries) >= self.max_entries else None
        if entry is not None and now - entry[1] >= self.FORGET_AFTER:
            return None
        return entry

    def wait(self, keys: Sequence[str], now: Optional[float] = None) -> float:
        """Seconds until an attempt under ``keys`` is answered (0: now)."""
        now = time.monotonic() if now is None else now
        waits = [0.0]
        for key in keys:
            entry = self._live(key, now)
            if entry is not None:
                waits.append(entry[1] + self.delay_after(entry[0]) - now)
        return max(0.0, max(waits))

    def failed(self, keys: Sequence[str], now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        for key in keys:
            if key not in self._entries and len(self._entries) >= self.max_entries:
                if not self._make_room(now):
                    key = self.OVERFLOW
            entry = self._live(key, now) if key in self._entries else None
            self._entries[key] = ((entry[0] if entry else 0) + 1, now)
            self._entries.move_to_end(key)

    def succeeded(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    # As the login route calls every throttle (a shared one asks Redis).
    async def await_wait(self, keys: Sequence[str]) -> float:
        return self.wait(keys)

    async def record_failure(self, keys: Sequence[str]) -> None:
        self.failed(keys)

    async def record_success(self, keys: Sequence[str]) -> None:
        self.succeeded(keys)

    def _make_room(self, now: float) -> bool:
        for key, (failures, last) in self._entries.items():  # oldest last failure first
            if key != self.OVERFLOW and now >= last + self.delay_after(failures):
                del self._entries[key]
                return True
        return False

    def __len__(self) -> int:
        return len(self._entries)


class AddressPauses:
    """The insult pauses of client addresses, so that a citizen who clears the browser's
    storage (a new conversation id) is still paused: ``address → (until, flag)``.

    Remembers which address each conversation was last used from (set on every citizen
    message and on opening). In this process only, and bounded: the oldest entries go
    first; an expired pause is forgotten when next asked for.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._addresses: "OrderedDict[str, str]" = OrderedDict()
        self._pauses: "OrderedDict[str, Tuple[dt.datetime, Optional[str]]]" = OrderedDict()

    def seen(self, conversation_id: str, address: Optional[str]) -> None:
        if address is None:
            return
        self._addresses[conversation_id] = address
        self._addresses.move_to_end(conversation_id)
        while len(self._addresses) > self.max_entries:
            self._addresses.popitem(last=False)

    def paused(self, conversation_id: str, until: dt.datetime, flag: Optional[str]) -> None:
        """The conversation was paused: so is the address it was last used from."""
        address = self._addresses.get(conversation_id)
        if address is None:
            return
        self._pauses[address] = (until, flag)
        self._pauses.move_to_end(address)
        while len(self._pauses) > self.max_entries:
            self._pauses.popitem(last=False)

    async def apaused(self, conversation_id: str, until: dt.datetime, flag: Optional[str]) -> None:
        """:meth:`paused`, for every instance (see ``shared_limits.SharedAddressPauses``)."""
        self.paused(conversation_id, until, flag)

    async def apause_of(
        self, address: Optional[str], now: dt.datetime
    ) -> Optional[Tuple[dt.datetime, Optional[str]]]:
        """:meth:`pause_of`, for every instance (see ``shared_limits.SharedAddressPauses``)."""
        return self.pause_of(address, now)

    async def close(self) -> None:
        """Nothing to release here (the shared kind closes its Redis client)."""

    def pause_of(
        self, address: Optional[str], now: dt.datetime
    ) -> Optional[Tuple[dt.datetime, Optional[str]]]:
        """``(until, flag)`` of the address's pause in force at ``now``, or None."""
        if address is None or address not in self._pauses:
            return None
        until, flag = self._pauses[address]
        if until <= now:
            del self._pauses[address]
            return None
        return until, flag
