"""Sliding-window limits against floods of citizen messages and password guessing."""

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, Optional, Set


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
    oldest accepted message leaves the window. With several instances each counts its own.
    """

    WINDOW = 60.0

    def __init__(self, per_minute: int, max_conversations: int = 10_000) -> None:
        self.per_minute = per_minute
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


class LoginFailures:
    """Failed console logins per username in a sliding window, in this process.

    After ``limit`` failures within ``window`` seconds the username is refused until the
    oldest failure leaves the window; successful logins do not count. With several
    instances each counts its own.
    """

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: Dict[str, RateLimit] = {}

    def _for(self, username: str) -> RateLimit:
        if username not in self._failures and len(self._failures) >= 10_000:
            self._failures.clear()  # bounded memory under a spray of usernames
        return self._failures.setdefault(username, RateLimit(self.limit, self.window))

    def blocked(self, username: str, now: Optional[float] = None) -> bool:
        rate = self._for(username)
        now = time.monotonic() if now is None else now
        while rate.times and now - rate.times[0] >= rate.window:
            rate.times.popleft()
        return len(rate.times) >= rate.limit

    def failed(self, username: str, now: Optional[float] = None) -> None:
        self._for(username).allow(now)
