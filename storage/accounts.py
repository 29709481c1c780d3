"""The one account table, for every role, and the login sessions of every role.

Roles: ``clerk`` answers citizens in the console (``department``: which department's
filed requests they work, NULL for Relații cu Publicul); ``auditor`` searches, reads and
exports the archive; ``admin`` does both and manages accounts. A clerk's presence
(``activ`` / ``indisponibil``) is a column of the account, kept by the live chat.

Passwords: :mod:`storage.passwords` (one policy, one hasher). A login session is a
random token the browser keeps in a cookie; the table keeps only its SHA-256 digest, so a
stolen table opens no session. Sessions live in the database, so they survive a restart
and every instance behind a load balancer sees them.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from storage import passwords
from storage.types import UTCDateTime, metadata

CLERK, AUDITOR, ADMIN = "clerk", "auditor", "admin"
ROLES = (CLERK, AUDITOR, ADMIN)
#: Roles that work conversations in the console, and roles that read the archive.
CONSOLE_ROLES = (CLERK, ADMIN)
AUDIT_ROLES = (AUDITOR, ADMIN)
UNAVAILABLE = "indisponibil"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False, server_default=CLERK),
    sa.Column("department", sa.String(64), nullable=True),
    sa.Column("presence", sa.String(16), nullable=False, server_default=UNAVAILABLE),
    sa.Column("last_seen_at", UTCDateTime, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=True),
    sa.CheckConstraint("presence IN ('activ', 'indisponibil')", name="ck_handoff_clerks_presence"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "account_id",
        sa.Integer,
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),  # fmt: skip
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message is Romanian."""


class AccountExists(AccountError):
    """The username is taken."""


class UnknownAccount(AccountError, LookupError):
    """No account has this username."""


@dataclass(frozen=True)
class Account:
    """An account as the rest of the code sees it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    department: Optional[str]
    presence: str
    last_seen_at: Optional[dt.datetime]
    disabled: bool
    created_at: dt.datetime

    @property
    def active(self) -> bool:
        return not self.disabled

    @property
    def can_audit(self) -> bool:
        return not self.disabled and self.role in AUDIT_ROLES

    @property
    def can_clerk(self) -> bool:
        return not self.disabled and self.role in CONSOLE_ROLES

    def as_json(self) -> Dict[str, Any]:
        """What the console shows of an account (to clerks and to its owner)."""
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "presence": self.presence,
        }


ACCOUNT_COLUMNS = [
    accounts.c.id, accounts.c.username, accounts.c.display_name, accounts.c.role,
    accounts.c.department, accounts.c.presence, accounts.c.last_seen_at, accounts.c.disabled,
    accounts.c.created_at,
]  # fmt: skip


def account_from(row: Any) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        department=row.department,
        presence=row.presence,
        last_seen_at=row.last_seen_at,
        disabled=bool(row.disabled),
        created_at=row.created_at,
    )


def normalize_username(username: Any) -> str:
    """Usernames are compared lower-case, without surrounding spaces."""
    if not isinstance(username, str):
        raise AccountError("Numele de utilizator lipsește.")
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise AccountError(
            "Numele de utilizator are 2–64 caractere: litere mici fără diacritice, cifre, "
            "punct, cratimă sau linie jos."
        )
    return name


def check_role(role: Any) -> str:
    if role not in ROLES:
        raise AccountError(f"Rol necunoscut: {role!r}; rolurile sunt {', '.join(ROLES)}.")
    return str(role)


def check_display_name(display_name: Any) -> str:
    shown = display_name.strip() if isinstance(display_name, str) else ""
    if not shown or len(shown) > 200 or _CONTROL.search(shown):
        raise AccountError("Numele afișat trebuie să aibă 1–200 de caractere, fără caractere de control.")
    return shown


class AccountStore:
    """Accounts and login sessions in the database of ``engine``.

    Args:
        engine: from :func:`storage.db.make_engine`.
        hasher: argon2 parameters (tests pass cheaper ones); default the library's.
    """

    def __init__(self, engine: Engine, hasher: Optional[passwords.PasswordHasher] = None) -> None:
        self.engine = engine
        self.hasher = hasher or passwords.hasher()

    # -- accounts ---------------------------------------------------------------------

    def create(
        self,
        conn: Connection,
        username: str,
        password: str,
        role: str,
        display_name: Optional[str],
        now: dt.datetime,
        department: Optional[str] = None,
    ) -> Account:
        """Create an account in the transaction ``conn``; raises :class:`AccountError`."""
        name = normalize_username(username)
        check_role(role)
        try:
            passwords.check_password_policy(password, name)
        except passwords.PasswordPolicyError as error:
            raise AccountError(str(error)) from None
        shown = check_display_name(display_name or name)
        # Hashed before the first statement: on SQLite a transaction that read, then
        # spends 0.1 s hashing, then writes, fails if another process wrote meanwhile.
        password_hash = self.hasher.hash(password)
        if conn.execute(sa.select(accounts.c.id).where(accounts.c.username == name)).first():
            raise AccountExists(f"Utilizatorul „{name}” există deja.")
        conn.execute(
            accounts.insert().values(
                username=name,
                display_name=shown,
                password_hash=password_hash,
                role=role,
                department=department,
                created_at=now,
                updated_at=now,
            )  # fmt: skip
        )
        found = self.get(conn, name)
        assert found is not None
        return found

    @staticmethod
    def get(conn: Connection, username: str) -> Optional[Account]:
        try:
            name = normalize_username(username)
        except AccountError:
            return None
        row = conn.execute(sa.select(*ACCOUNT_COLUMNS).where(accounts.c.username == name)).first()
        return account_from(row) if row else None

    @staticmethod
    def by_id(conn: Connection, account_id: int) -> Optional[Account]:
        row = conn.execute(sa.select(*ACCOUNT_COLUMNS).where(accounts.c.id == account_id)).first()
        return account_from(row) if row else None

    @staticmethod
    def list(conn: Connection, roles: Iterable[str] = ROLES) -> List[Account]:
        rows = conn.execute(
            sa.select(*ACCOUNT_COLUMNS).where(accounts.c.role.in_(list(roles))).order_by(accounts.c.username)
        )
        return [account_from(row) for row in rows]

    @staticmethod
    def display_names(conn: Connection, usernames: Iterable[str]) -> Dict[str, str]:
        names = sorted({u for u in usernames if u})
        if not names:
            return {}
        rows = conn.execute(
            sa.select(accounts.c.username, accounts.c.display_name).where(accounts.c.username.in_(names))
        )
        return {row.username: row.display_name for row in rows}

    def authenticate(self, username: Any, password: Any) -> Optional[Account]:
        """The active account whose username and password these are, or None — after
        the same work whether the user is unknown, disabled or the password wrong.

        Runs argon2 (call it through :func:`storage.passwords.off_loop` from a server),
        and holds no transaction while it does: on SQLite a write lock held for the
        0.1 s of a check stalls every other writer, the event loop's included.
        Raises the driver's errors (callers turn them into their own).
        """
        if not isinstance(password, str) or len(password) > passwords.MAX_PASSWORD_LENGTH:
            passwords.burn_verification_time("-")
            return None
        try:
            name: Optional[str] = normalize_username(username)
        except AccountError:
            name = None
        row = None
        if name:
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(accounts).where(accounts.c.username == name)).first()
        if row is None or row.disabled:
            passwords.burn_verification_time(password)
            return None
        if not passwords.verify_password(row.password_hash, password, self.hasher):
            return None
        if passwords.needs_rehash(row.password_hash, self.hasher):
            new_hash = self.hasher.hash(password)
            with self.engine.begin() as conn:
                conn.execute(accounts.update().where(accounts.c.id == row.id).values(password_hash=new_hash))
        return account_from(row)

    def set_password(self, conn: Connection, username: str, password: str, now: dt.datetime) -> None:
        """A new password; it ends every open session of that account."""
        name = normalize_username(username)
        try:
            passwords.check_password_policy(password, name)
        except passwords.PasswordPolicyError as error:
            raise AccountError(str(error)) from None
        password_hash = self.hasher.hash(password)  # before the first statement (see create)
        account = self.get(conn, name)
        if account is None:
            raise UnknownAccount(f"Utilizatorul „{name}” nu există.")
        conn.execute(
            accounts.update()
            .where(accounts.c.id == account.id)
            .values(password_hash=password_hash, updated_at=now)
        )
        conn.execute(sessions.delete().where(sessions.c.account_id == account.id))

    @staticmethod
    def update(conn: Connection, username: str, now: dt.datetime, **values: Any) -> Account:
        """Change columns of an account (``role``, ``disabled``, ``department``, …).
        Disabling an account ends its sessions."""
        name = normalize_username(username)
        if "role" in values:
            check_role(values["role"])
        result = conn.execute(
            accounts.update().where(accounts.c.username == name).values(updated_at=now, **values)
        )
        if result.rowcount != 1:
            raise UnknownAccount(f"Utilizatorul „{name}” nu există.")
        account = AccountStore.get(conn, name)
        assert account is not None
        if account.disabled or "role" in values:
            conn.execute(sessions.delete().where(sessions.c.account_id == account.id))
        return account

    # -- login sessions -----------------------------------------------------------------

    @staticmethod
    def create_session(conn: Connection, account_id: int, now: dt.datetime, ttl: dt.timedelta) -> str:
        """A new session token for the account (expired sessions are swept meanwhile)."""
        token = passwords.new_session_token()
        conn.execute(
            sessions.insert().values(
                token_hash=passwords.token_digest(token),
                account_id=account_id,
                created_at=now,
                expires_at=now + ttl,
            )  # fmt: skip
        )
        conn.execute(sessions.delete().where(sessions.c.expires_at < now))
        return token

    @staticmethod
    def session_account(conn: Connection, token: Optional[str], now: dt.datetime) -> Optional[Account]:
        """The active account of an unexpired session token, or None."""
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        row = conn.execute(
            sa.select(*ACCOUNT_COLUMNS)
            .select_from(sessions.join(accounts, sessions.c.account_id == accounts.c.id))
            .where(sessions.c.token_hash == passwords.token_digest(token))
            .where(sessions.c.expires_at > now)
            .where(accounts.c.disabled == sa.false())
        ).first()
        return account_from(row) if row else None

    @staticmethod
    def delete_session(conn: Connection, token: Optional[str]) -> None:
        if token and isinstance(token, str):
            conn.execute(sessions.delete().where(sessions.c.token_hash == passwords.token_digest(token)))
