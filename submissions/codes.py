"""Access codes: what the citizen needs, with the number, to read a filing's status.

Twelve characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
``ABCD-EFGH-JKMN``: 60 random bits. Only an argon2id hash is stored
(:mod:`storage.passwords`), so neither a clerk's screen nor a copy of the table shows it.
"""

import secrets
from typing import Optional

from storage import passwords

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise(code: str) -> Optional[str]:
    """The code as stored (upper case, dashes and spaces dropped), or None if malformed."""
    raw = "".join(ch for ch in (code or "").upper() if ch not in " -")
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


def hash_code(code: str) -> str:
    raw = normalise(code)
    if raw is None:
        raise ValueError("malformed access code")
    return passwords.hash_password(raw)


def matches(stored_hash: Optional[str], code: str) -> bool:
    """Whether ``code`` opens the filing; takes as long when there is no filing."""
    raw = normalise(code) or "-"
    if stored_hash is None:
        passwords.burn_verification_time(raw)
        return False
    return passwords.verify_password(stored_hash, raw)
