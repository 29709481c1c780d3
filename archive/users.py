"""The archive view's side of the one account table (:mod:`storage.accounts`).

Roles: ``clerk`` answers citizens; ``auditor`` searches and exports the archive;
``admin`` does both and manages accounts. Passwords follow the one policy and hasher of
:mod:`storage.passwords`. Errors are the archive's (Romanian, because the console shows
them as they are).
"""

from datetime import datetime, timezone
from typing import Dict, Iterable, List, Optional

from archive.archive import Archive
from archive.errors import AuthenticationFailed, UnknownUser, UserError, db_errors
from storage import db, passwords
from storage.accounts import (
    AUDIT_ROLES,
    ROLES,
    Account,
    AccountError,
    AccountStore,
    UnknownAccount,
    check_role,
)
from storage.accounts import (
    normalize_username as _normalize,
)

__all__ = ["AUDIT_ROLES", "ROLES", "UserAccount", "Users", "normalize_username", "check_password_policy"]

MIN_PASSWORD_LENGTH = passwords.MIN_PASSWORD_LENGTH
MAX_PASSWORD_LENGTH = passwords.MAX_PASSWORD_LENGTH

#: An account as the archive view sees it (never the password hash).
UserAccount = Account


def normalize_username(username: str) -> str:
    """Usernames are compared lower-case and without surrounding spaces."""
    try:
        return _normalize(username)
    except AccountError as error:
        raise UserError(str(error)) from None


def check_password_policy(password: str, username: str = "") -> None:
    """The one password policy (:mod:`storage.passwords`), as a :class:`UserError`."""
    try:
        passwords.check_password_policy(password, username)
    except passwords.PasswordPolicyError as error:
        raise UserError(str(error)) from None


class Users:
    """Create, find and authenticate accounts in the archive's database.

    Args:
        archive: the archive whose database holds the accounts.
        hasher: argon2 parameters (tests pass cheaper ones); default argon2-cffi's.
    """

    def __init__(self, archive: Archive, hasher: Optional[passwords.PasswordHasher] = None) -> None:
        self.archive = archive
        self.store = AccountStore(archive.engine, hasher)

    @property
    def hasher(self) -> passwords.PasswordHasher:
        return self.store.hasher

    def _now(self) -> datetime:
        return self.archive.clock().astimezone(timezone.utc)

    def create(
        self,
        username: str,
        password: str,
        role: str,
        display_name: Optional[str] = None,
        department: Optional[str] = None,
    ) -> UserAccount:
        """Create an account; raises :class:`UserError` (already exists, weak password …)."""
        try:
            with db_errors("create an account"), db.write_transaction(self.archive.engine) as conn:
                return self.store.create(
                    conn, username, password, role, display_name, self._now(), department
                )
        except AccountError as error:
            raise UserError(str(error)) from None

    def get(self, username: str) -> UserAccount:
        with db_errors("read an account"), self.archive.engine.connect() as conn:
            account = self.store.get(conn, username)
        if account is None:
            raise UnknownUser(f"Utilizatorul „{str(username).strip().lower()}” nu există.")
        return account

    def list(self, role: Optional[str] = None) -> List[UserAccount]:
        try:
            roles = ROLES if role is None else (check_role(role),)
        except AccountError as error:
            raise UserError(str(error)) from None
        with db_errors("list accounts"), self.archive.engine.connect() as conn:
            return self.store.list(conn, roles)

    def display_names(self, usernames: Iterable[str]) -> Dict[str, str]:
        """username → display name, for the usernames that have an account."""
        with db_errors("read account names"), self.archive.engine.connect() as conn:
            return self.store.display_names(conn, usernames)

    def authenticate(self, username: str, password: str) -> UserAccount:
        """The account if the password is right and the account active.

        Raises:
            AuthenticationFailed: the same error, after the same work, whether the
                user is unknown, disabled or the password wrong.
        """
        with db_errors("authenticate"):
            account = self.store.authenticate(username, password)
        if account is None:
            raise AuthenticationFailed("Nume de utilizator sau parolă greșită.")
        return account

    def set_password(self, username: str, password: str) -> None:
        try:
            with db_errors("change a password"), db.write_transaction(self.archive.engine) as conn:
                self.store.set_password(conn, username, password, self._now())
        except UnknownAccount as error:
            raise UnknownUser(str(error)) from None
        except AccountError as error:
            raise UserError(str(error)) from None

    def set_active(self, username: str, active: bool) -> None:
        self._update(username, disabled=not bool(active))

    def set_role(self, username: str, role: str) -> None:
        self._update(username, role=role)

    def _update(self, username: str, **values: object) -> None:
        try:
            with db_errors("change an account"), db.write_transaction(self.archive.engine) as conn:
                self.store.update(conn, username, self._now(), **values)
        except UnknownAccount as error:
            raise UnknownUser(str(error)) from None
        except AccountError as error:
            raise UserError(str(error)) from None
