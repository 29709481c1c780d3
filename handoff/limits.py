"""Sliding-window limits against floods of citizen messages and password guessing."""

import time
from collections import deque
from typing import Deque, Dict, Optional


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
