"""Settings of the website channel, read from its credentials.yml entry with defaults.

Settings other processes need as well come from the environment instead, so every
process agrees: the schedule file (``HANDOFF_SCHEDULE``, also read by the action server)
and the database (``DATABASE_URL``, read only by :func:`storage.db.database_url`).
"""

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

MAX_MESSAGE_CHARS = 2000
GRACE_ENV = "HANDOFF_CLERK_GRACE_SECONDS"
DEFAULT_GRACE_SECONDS = 60


def clerk_grace() -> dt.timedelta:
    """How long a clerk whose console went away still counts as present."""
    raw = os.environ.get(GRACE_ENV, str(DEFAULT_GRACE_SECONDS))
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{GRACE_ENV}={raw!r}: a number of seconds is needed") from None
    if seconds <= 0:
        raise ValueError(f"{GRACE_ENV}={raw!r}: must be positive")
    return dt.timedelta(seconds=seconds)


_DEFAULTS: Dict[str, Any] = {
    "session_ttl_minutes": 480,
    "cookie_secure": False,
    "hsts_seconds": 0,
    "housekeeping_seconds": 5.0,
    "citizen_queue_grace_seconds": 300.0,
    "turn_sink": None,
    "redis_url": None,
    "redis_channel": "efunctionar:handoff",
    "citizen_messages_per_minute": 20,
    "address_messages_per_minute": 60,
    "address_conversations_per_hour": 30,
    "pause_follows_address": True,
}


@dataclass(frozen=True)
class ChannelSettings:
    """Attributes:
    session_ttl_minutes: a console login lasts this long, then the clerk logs in again.
    cookie_secure: send the session cookie only over HTTPS (set true behind TLS).
    hsts_seconds: behind HTTPS, send ``Strict-Transport-Security: max-age=…`` (0: not).
    housekeeping_seconds: how often presence, grace periods and closing time are checked.
    citizen_queue_grace_seconds: a queued citizen whose page is gone this long leaves the queue.
    turn_sink: ``package.module.Class`` archiving every turn (see livechat.archive).
    redis_url: relay frames between several Rasa instances through this Redis
        (e.g. ``redis://127.0.0.1:6379/0``); unset for a single instance.
    redis_channel: the pub/sub channel of that relay.
    citizen_messages_per_minute: a conversation sending more than this in any 60 s gets
        "vă rugăm să așteptați" and the extra messages are refused (not stored), until
        the rate drops; the widget resends them by itself.
    address_messages_per_minute: the same over every conversation of one client address
        (one client opening 50 conversations was not limited at all in wave 1).
    address_conversations_per_hour: new conversations one client address may open in any
        hour; more get "too_many_conversations" (the open ones go on).
    pause_follows_address: a new conversation opened from the client address of a paused
        one (the insult pause) is paused until the same time, so clearing the browser's
        storage does not start afresh; conversations opened before are not touched
        (several citizens may share an address). Off for a test stack whose clients all
        are 127.0.0.1.
    """

    session_ttl_minutes: float = 480
    cookie_secure: bool = False
    hsts_seconds: int = 0
    housekeeping_seconds: float = 5.0
    citizen_queue_grace_seconds: float = 300.0
    turn_sink: Optional[str] = None
    redis_url: Optional[str] = None
    redis_channel: str = "efunctionar:handoff"
    citizen_messages_per_minute: int = 20
    address_messages_per_minute: int = 60
    address_conversations_per_hour: int = 30
    pause_follows_address: bool = True

    @property
    def session_ttl(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.session_ttl_minutes)

    @property
    def citizen_queue_grace(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.citizen_queue_grace_seconds)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "ChannelSettings":
        """Read the channel's credentials entry; unknown keys and bad values are errors."""
        credentials = dict(credentials or {})
        if "database_url" in credentials:
            raise ValueError(
                "credentials.yml: livechat.channel.WebsiteChannel: database_url is no longer "
                "read; every process takes the database from the DATABASE_URL environment "
                "variable (storage/README.md)"
            )
        unknown = set(credentials) - set(_DEFAULTS)
        if unknown:
            raise ValueError(
                f"credentials.yml: livechat.channel.WebsiteChannel: unknown key(s) "
                f"{sorted(unknown)}; known: {sorted(_DEFAULTS)}"
            )
        values = {**_DEFAULTS, **{k: v for k, v in credentials.items() if v is not None}}
        for key in ("session_ttl_minutes", "housekeeping_seconds", "citizen_queue_grace_seconds"):
            try:
                number = float(values[key])
            except (TypeError, ValueError):
                raise ValueError(
                    f"credentials.yml: livechat.channel.WebsiteChannel: {key}: a number is "
                    f"needed, got {values[key]!r}"
                ) from None
            if number <= 0:
                raise ValueError(f"credentials.yml: livechat.channel.WebsiteChannel: {key} must be positive")
            values[key] = number
        for key in (
            "citizen_messages_per_minute",
            "address_messages_per_minute",
            "address_conversations_per_hour",
        ):
            limit = values[key]
            if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
                raise ValueError(
                    f"credentials.yml: livechat.channel.WebsiteChannel: {key}: "
                    f"a whole number above 0 is needed, got {limit!r}"
                )
        hsts = values["hsts_seconds"]
        if isinstance(hsts, bool) or not isinstance(hsts, int) or hsts < 0:
            raise ValueError(
                "credentials.yml: livechat.channel.WebsiteChannel: hsts_seconds: a whole number "
                f"of seconds (0 to turn it off), got {hsts!r}"
            )
        for key in ("cookie_secure", "pause_follows_address"):
            if not isinstance(values[key], bool):
                raise ValueError(f"credentials.yml: livechat.channel.WebsiteChannel: {key}: true or false")
        return cls(**values)
