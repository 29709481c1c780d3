"""Accounts of the people who use the console: clerks, auditors and admins.

Passwords are stored as argon2id hashes (argon2-cffi's recommended parameters).
Roles: ``clerk`` answers citizens; ``auditor`` searches and exports the archive;
``admin`` does both and manages accounts. Messages are in Romanian because the
console shows them as they are.
"""

import dataclasses
import re
import secrets
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from storage import db, passwords
from archive.archive import Archive
from archive.errors import AuthenticationFailed, UnknownUser, UserError, db_errors
from archive.models import User

ROLES = ("clerk", "auditor", "admin")
#: Roles that may search, read and export the archive.
AUDIT_ROLES = ("auditor", "admin")
MIN_PASSWORD_LENGTH = passwords.MIN_PASSWORD_LENGTH
MAX_PASSWORD_LENGTH = passwords.MAX_PASSWORD_LENGTH
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

users_t = User.__table__


@dataclasses.dataclass(frozen=True)
class UserAccount:
    """An account as the rest of the code sees it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    created_at: datetime

    @property
    def can_audit(self) -> bool:
        return self.active and self.role in AUDIT_ROLES


def normalize_username(username: str) -> str:
    """Usernames are compared lower-case and without surrounding spaces."""
    if not isinstance(username, str):
        raise UserError("Numele de utilizator lipsește.")
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise UserError(
            "Numele de utilizator are 2–64 caractere: litere mici fără diacritice, cifre, "
            "punct, cratimă sau linie jos."
        )
    return name


def check_password_policy(password: str, username: str = "") -> None:
    """The one password policy (:mod:`storage.passwords`), as a :class:`UserError`."""
    try:
        passwords.check_password_policy(password, username)
    except passwords.PasswordPolicyError as error:
        raise UserError(str(error)) from None


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"Rol necunoscut: {role!r}; rolurile sunt {', '.join(ROLES)}.")
    return role


def _account(row: sa.engine.Row) -> UserAccount:
    return UserAccount(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        active=bool(row.active),
        created_at=row.created_at.replace(tzinfo=timezone.utc),
    )


class Users:
    """Create, find and authenticate accounts in the archive database.

    Args:
        archive: the archive whose database holds the accounts.
        hasher: argon2 parameters (tests pass cheaper ones); default argon2-cffi's.
    """

    def __init__(self, archive: Archive, hasher: Optional[PasswordHasher] = None) -> None:
        self.archive = archive
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: Optional[str] = None

    def _now(self) -> datetime:
        return self.archive.clock().astimezone(timezone.utc).replace(tzinfo=None)

    def create(
        self, username: str, password: str, role: str, display_name: Optional[str] = None
    ) -> UserAccount:
        """Create an account; raises :class:`UserError` (already exists, weak password …)."""
        name = normalize_username(username)
        _check_role(role)
        check_password_policy(password, name)
        shown = (display_name or name).strip()
        if not shown or len(shown) > 200 or _CONTROL.search(shown):
            raise UserError("Numele afișat trebuie să aibă 1–200 de caractere, fără caractere de control.")
        password_hash = self.hasher.hash(password)
        now = self._now()
        with db_errors(f"create user {name!r}"):
            with db.write_transaction(self.archive.engine) as conn:
                exists = conn.execute(
                    sa.select(users_t.c.id).where(users_t.c.username == name)
                ).first()
                if exists is not None:
                    raise UserError(f"Utilizatorul „{name}” există deja.")
                conn.execute(
                    users_t.insert().values(
                        username=name,
                        display_name=shown,
                        role=role,
                        password_hash=password_hash,
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
        return self.get(name)

    def get(self, username: str) -> UserAccount:
        try:
            name = normalize_username(username)
        except UserError:
            raise UnknownUser(f"Utilizatorul „{username}” nu există.") from None
        with db_errors(f"read user {name!r}"):
            with self.archive.engine.connect() as conn:
                row = conn.execute(sa.select(users_t).where(users_t.c.username == name)).first()
        if row is None:
            raise UnknownUser(f"Utilizatorul „{name}” nu există.")
        return _account(row)

    def list(self, role: Optional[str] = None) -> List[UserAccount]:
        query = sa.select(users_t).order_by(users_t.c.username)
        if role is not None:
            query = query.where(users_t.c.role == _check_role(role))
        with db_errors("list users"):
            with self.archive.engine.connect() as conn:
                return [_account(row) for row in conn.execute(query)]

    def display_names(self, usernames: Iterable[str]) -> Dict[str, str]:
        """username → display name, for the usernames that have an account."""
        names = sorted({u for u in usernames if u})
        if not names:
            return {}
        with db_errors("read user names"):
            with self.archive.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(users_t.c.username, users_t.c.display_name).where(
                        users_t.c.username.in_(names)
                    )
                )
                return {row.username: row.display_name for row in rows}

    def authenticate(self, username: str, password: str) -> UserAccount:
        """The account if the password is right and the account active.

        Raises:
            AuthenticationFailed: the same error, after the same work, whether the
                user is unknown, disabled or the password wrong.
        """
        failed = AuthenticationFailed("Nume de utilizator sau parolă greșită.")
        if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
            raise failed
        try:
            name = normalize_username(username)
        except UserError:
            name = None
        row = None
        if name is not None:
            with db_errors("authenticate"):
                with self.archive.engine.connect() as conn:
                    row = conn.execute(
                        sa.select(users_t).where(users_t.c.username == name)
                    ).first()
        if row is None:
            self._burn_time(password)
            raise failed
        try:
            self.hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise failed from None
        if not row.active:
            raise failed
        if self.hasher.check_needs_rehash(row.password_hash):
            self._store_hash(name, self.hasher.hash(password))
        return _account(row)

    def _burn_time(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        try:
            self.hasher.verify(self._dummy_hash, password)
        except VerificationError:
            pass  # expected: this only spends the time a real check would

    def set_password(self, username: str, password: str) -> None:
        name = self.get(username).username
        check_password_policy(password, name)
        self._store_hash(name, self.hasher.hash(password))

    def _store_hash(self, name: str, password_hash: str) -> None:
        self._update(name, password_hash=password_hash)

    def set_active(self, username: str, active: bool) -> None:
        self._update(self.get(username).username, active=bool(active))

    def set_role(self, username: str, role: str) -> None:
        self._update(self.get(username).username, role=_check_role(role))

    def _update(self, name: str, **values: object) -> None:
        with db_errors(f"update user {name!r}"):
            with db.write_transaction(self.archive.engine) as conn:
                result = conn.execute(
                    users_t.update()
                    .where(users_t.c.username == name)
                    .values(updated_at=self._now(), **values)
                )
        if result.rowcount == 0:
            raise UnknownUser(f"Utilizatorul „{name}” nu există.")
