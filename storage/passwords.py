"""Passwords (argon2id) and login session tokens, for every account of every role.

One password policy and one hasher for clerks, auditors and admins. A password check
costs tens of milliseconds of CPU on purpose: :func:`off_loop` runs it in a worker
thread, at most :data:`CHECKS_AT_ONCE` at a time, so that a flood of logins cannot stall
the event loop that serves the citizens' chats (wave 1 ran it on the loop: four clients
posting wrong logins raised the chat's ping p50 from 1 ms to 1.7 s).
"""

import asyncio
import hashlib
import secrets
import threading
from functools import lru_cache
from typing import Any, Callable, Optional, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
#: Password checks running at once; more wait their turn (2 cores on this machine).
CHECKS_AT_ONCE = 2
T = TypeVar("T")
_checks = threading.BoundedSemaphore(CHECKS_AT_ONCE)


class PasswordPolicyError(ValueError):
    """The password is too weak to be accepted; the message says why, in Romanian."""


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """argon2id with the library's current recommended parameters."""
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_hex(16))


def check_password_policy(password: str, username: str = "") -> None:
    """Raise :class:`PasswordPolicyError` when ``password`` is too short, too long or is
    the username."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"Parola trebuie să aibă cel puțin {MIN_PASSWORD_LENGTH} caractere.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"Parola poate avea cel mult {MAX_PASSWORD_LENGTH} caractere.")
    if username and password.strip().lower() == username.strip().lower():
        raise PasswordPolicyError("Parola nu poate fi numele de utilizator.")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str, using: Optional[PasswordHasher] = None) -> bool:
    """Whether ``password`` matches; a malformed stored hash counts as a mismatch."""
    try:
        return (using or hasher()).verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification_time(password: str) -> None:
    """Spend the time of one verification, so unknown usernames answer as slowly as known."""
    verify_password(_dummy_hash(), password)


def needs_rehash(stored_hash: str, using: Optional[PasswordHasher] = None) -> bool:
    try:
        return (using or hasher()).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database keeps of a session token: a stolen table opens no session."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def off_loop(check: Callable[..., T], *args: Any) -> T:
    """Run ``check`` (anything that verifies a password) in a worker thread, at most
    :data:`CHECKS_AT_ONCE` at a time, without blocking the event loop while it waits."""

    def bounded() -> T:
        with _checks:
            return check(*args)

    return await asyncio.to_thread(bounded)
