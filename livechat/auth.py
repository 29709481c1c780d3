"""Clerk passwords (argon2id) and console session tokens (random, stored hashed)."""

import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10


class PasswordPolicyError(ValueError):
    """The password is too weak to be accepted; the message says why, in Romanian."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_hex(16))


def check_password_policy(password: str, username: str = "") -> None:
    """Raise :class:`PasswordPolicyError` when ``password`` is too short or is the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"Parola trebuie să aibă cel puțin {MIN_PASSWORD_LENGTH} caractere."
        )
    if username and password.strip().lower() == username.strip().lower():
        raise PasswordPolicyError("Parola nu poate fi numele de utilizator.")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a malformed stored hash counts as a mismatch."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification_time(password: str) -> None:
    """Spend the time of one verification, so unknown usernames answer as slowly as known."""
    verify_password(_dummy_hash(), password)


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database keeps of a session token: a stolen table opens no session."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
