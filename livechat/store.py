"""Conversations, transcript, clerks, sessions and the queue, in the database.

Every state change is one conditional ``UPDATE … WHERE state = …`` and reports whether it
happened: of two clerks taking the same conversation at once exactly one gets ``True``,
whichever process or database (SQLite, PostgreSQL) they use. Each method is one short
unit of work on its own connection; nothing is kept in memory between calls.
"""

import datetime as dt
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from livechat.tables import (
    ACTIVE,
    BOT,
    CITIZEN,
    CLERK,
    CLOSED,
    DONE,
    FLAG_REASONS,
    PENDING,
    PRESENCES,
    QUEUED,
    SENDERS,
    UTCDateTime,
    clerks,
    conversations,
    messages,
    utcnow,
)
from storage import db
from storage import passwords as auth
from storage.accounts import (
    ACCOUNT_COLUMNS,
    CONSOLE_ROLES,
    Account,
    AccountError,
    AccountExists,
    AccountStore,
    account_from,
)
from storage.accounts import (
    CLERK as CLERK_ROLE,
)
from storage.group_commit import GroupCommit, Outcome

logger = logging.getLogger(__name__)


class ClerkExistsError(ValueError):
    """A clerk with this username already exists."""


class UnknownClerkError(LookupError):
    """No clerk with this username or id."""


#: A clerk is an account of the one account table whose role works the console.
Clerk = Account


@dataclass(frozen=True)
class Conversation:
    id: str
    state: str
    clerk_id: Optional[int]
    topic: Optional[str]
    form_id: Optional[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    queued_at: Optional[dt.datetime]
    taken_at: Optional[dt.datetime]
    citizen_seen_at: Optional[dt.datetime]
    paused_until: Optional[dt.datetime] = None
    flag: Optional[str] = None
    flag_note: Optional[str] = None
    flagged_at: Optional[dt.datetime] = None

    def paused_at(self, now: dt.datetime) -> bool:
        """Whether the citizen's messages are held back from the bot at ``now``."""
        return self.paused_until is not None and self.paused_until > now


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: str
    sender: str
    text: str
    data: Dict[str, Any]
    clerk_id: Optional[int]
    author: Optional[str]
    created_at: dt.datetime
    message_id: Optional[str] = None
    bot_status: Optional[str] = None

    @property
    def clerk_only(self) -> bool:
        """A note for clerks (a redirect hint, a clerk's internal note), never shown to
        the citizen."""
        return bool(self.data.get("hint") or self.data.get("note"))

    def as_json(self) -> Dict[str, Any]:
        """The frame a widget or console shows (also the history sent on reconnect)."""
        frame: Dict[str, Any] = {
            "type": "message",
            "id": self.id,
            "conversation_id": self.conversation_id,
            "sender": self.sender,
            "name": self.author,
            "text": self.text,
            "ts": self.created_at.isoformat(),
        }
        for key in ("buttons", "attachment", "image", "custom", "hint", "note"):
            if self.data.get(key):
                frame[key] = self.data[key]
        return frame


def _transition_in(
    connection: Connection, conversation_id: str, where: List[Any], values: Dict[str, Any], now: dt.datetime
) -> bool:
    """Change the conversation's state if it is as ``where`` says; whether it was."""
    result = connection.execute(
        conversations.update()
        .where(conversations.c.id == conversation_id, *where)
        .values(updated_at=now, **values)
    )
    return result.rowcount == 1


def _message_values(
    conversation_id: str,
    sender: str,
    text: str,
    now: dt.datetime,
    data: Optional[Dict[str, Any]],
    clerk_id: Optional[int],
    author: Optional[str],
    message_id: Optional[str] = None,
    bot_status: Optional[str] = None,
) -> Dict[str, Any]:
    """A message row's columns but its id."""
    return {
        "conversation_id": conversation_id,
        "sender": sender,
        "text": text,
        "data": data or None,
        "clerk_id": clerk_id,
        "author": author,
        "created_at": now,
        "message_id": message_id,
        "bot_status": bot_status,
    }


def _stored_message(values: Dict[str, Any], row_id: int) -> "Message":
    """The message of a row written with ``values`` under the id ``row_id``."""
    return Message(id=row_id, **{**values, "data": values["data"] or {}})


def _insert_once(connection: Connection, values: Dict[str, Any]) -> Optional[int]:
    """Insert a message row unless its (conversation_id, message_id) is taken: its id, or None."""
    if connection.dialect.name == "postgresql":
        row = connection.execute(_INSERT_MESSAGE_ONCE_RETURNING, values).first()
        return row[0] if row is not None else None
    result = connection.execute(_INSERT_MESSAGE_ONCE, values)
    return result.lastrowid if result.rowcount == 1 else None


def _conversation(row: Any) -> Conversation:
    return Conversation(**{column.name: getattr(row, column.name) for column in conversations.c})


def _message(row: Any) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        sender=row.sender,
        text=row.text,
        data=row.data or {},
        clerk_id=row.clerk_id,
        author=row.author,
        created_at=row.created_at,
        message_id=row.message_id,
        bot_status=row.bot_status,
    )


_CLERK_COLUMNS = ACCOUNT_COLUMNS
_clerk = account_from
# Accounts that may work conversations in the console.
_IS_CLERK = clerks.c.role.in_(CONSOLE_ROLES)


# Built once: with its parameters bound at execution, SQLAlchemy reuses its compiled form.
_CONVERSATION_AND_MESSAGE = (
    sa.select(*conversations.c, messages.c.id.label("resent_id"))
    .select_from(
        conversations.outerjoin(
            messages,
            sa.and_(
                messages.c.conversation_id == conversations.c.id,
                messages.c.message_id == sa.bindparam("message_id"),
            ),
        )
    )
    .where(conversations.c.id == sa.bindparam("conversation_id"))
)
# The statements of every message, built once like the one above: a statement built per
# call costs more Python than its round trip (its cache key is computed again each time),
# and they run in the archive's writing thread, which shares the GIL with the event loop.
_CONVERSATION = sa.select(conversations).where(conversations.c.id == sa.bindparam("conversation_id"))
# Whether the conversation is there (a bot message's check): no row to make a Conversation of.
_CONVERSATION_EXISTS = sa.select(sa.literal(1)).where(conversations.c.id == sa.bindparam("conversation_id"))
_MESSAGE_BY_MESSAGE_ID = sa.select(messages).where(
    messages.c.conversation_id == sa.bindparam("conversation_id"),
    messages.c.message_id == sa.bindparam("message_id"),
)
_INSERT_MESSAGE = messages.insert()
# A citizen's message unless the conversation has one under its message_id already (a resend,
# or the same message on two sockets or instances at once): one statement that cannot fail
# on the unique index, since it waits for a copy being written and then does nothing. As
# text with typed parameters: SQLAlchemy 1.4 compiles its ON CONFLICT insert construct anew
# at every execution (it has no cache key), which costs more than the round trip. SQLite
# and PostgreSQL spell it alike; PostgreSQL returns the id, SQLite's cursor has it.
_MESSAGE_COLUMNS = tuple(column.name for column in messages.c if not column.primary_key)
_INSERT_MESSAGE_ONCE_SQL = (
    f"INSERT INTO {messages.name} ({', '.join(_MESSAGE_COLUMNS)})"
    f" VALUES ({', '.join(':' + name for name in _MESSAGE_COLUMNS)})"
    " ON CONFLICT (conversation_id, message_id) DO NOTHING"
)
_MESSAGE_PARAMETERS = [sa.bindparam(name, type_=messages.c[name].type) for name in _MESSAGE_COLUMNS]
_INSERT_MESSAGE_ONCE = sa.text(_INSERT_MESSAGE_ONCE_SQL).bindparams(*_MESSAGE_PARAMETERS)
_INSERT_MESSAGE_ONCE_RETURNING = sa.text(f"{_INSERT_MESSAGE_ONCE_SQL} RETURNING id").bindparams(
    *_MESSAGE_PARAMETERS
)
_MARK_ANSWERED = (
    messages.update().where(messages.c.id.in_(sa.bindparam("ids", expanding=True))).values(bot_status=DONE)
)


class HandoffStore:
    """The handoff's tables, one short transaction per call."""

    def __init__(self, engine: Engine, hasher: Optional[Any] = None) -> None:
        self.engine = engine
        self.accounts = AccountStore(engine, hasher)
        self._answered_marks: GroupCommit[int, None] = GroupCommit(self._mark_answered, name="answered-marks")

    @contextmanager
    def session_scope(self, write: bool = False) -> Iterator[Connection]:
        """One unit of work: commits on success, rolls back on error.

        ``write=True`` for a unit that reads, then writes what it read decided: on SQLite
        it takes the write lock at ``BEGIN`` (``db.write_transaction``), as a reader that
        then writes would be refused at once ("database is locked") when another
        connection committed in between.

        Raises:
            storage.errors.DatabaseUnavailable: the database failed, vanished or was
                replaced (nothing was changed); the caller tells the citizen or clerk.
        """
        try:
            with db.write_transaction(self.engine) if write else self.engine.begin() as connection:
                yield connection
        except sa.exc.IntegrityError:
            raise  # a constraint the caller expects (a resent message), not an outage
        except sa.exc.DBAPIError as error:
            logger.error("handoff: the live chat's tables are unavailable: %s", error)
            raise db.unavailable("use the live chat's tables", error) from error

    @contextmanager
    def read_scope(self) -> Iterator[Connection]:
        """A connection for one ``SELECT``: no ``BEGIN`` and ``COMMIT`` around it (one
        round trip to PostgreSQL instead of three, on the path of every message); the
        errors of :meth:`session_scope`."""
        try:
            with db.read_connection(self.engine) as connection:
                yield connection
        except sa.exc.DBAPIError as error:
            logger.error("handoff: the live chat's tables are unavailable: %s", error)
            raise db.unavailable("use the live chat's tables", error) from error

    # -- clerks -------------------------------------------------------------------------

    def create_clerk(
        self,
        username: str,
        display_name: str,
        password: str,
        now: Optional[dt.datetime] = None,
        department: Optional[str] = None,
    ) -> Clerk:
        """Create a clerk account (presence "indisponibil").

        Raises:
            ClerkExistsError: the username is taken.
            PasswordPolicyError: the password is too weak.
        """
        if not display_name.strip():
            raise ValueError("username and display name are required")
        try:
            with self.session_scope(write=True) as connection:  # reads, then writes
                return self.accounts.create(
                    connection, username, password, CLERK_ROLE, display_name, now or utcnow(), department
                )
        except AccountExists as error:
            raise ClerkExistsError(f"clerk '{username.strip().lower()}' already exists") from error
        except AccountError as error:
            if "Parola" in str(error):
                raise auth.PasswordPolicyError(str(error)) from None
            raise ValueError(str(error)) from None

    def set_password(self, username: str, password: str) -> None:
        """A new password; it ends every open session of that clerk."""
        auth.check_password_policy(password, username)
        try:
            with self.session_scope(write=True) as connection:  # reads, then writes
                self.accounts.set_password(connection, username, password, utcnow())
        except AccountError as error:
            raise UnknownClerkError(f"no clerk '{username}'") from error

    def set_disabled(self, username: str, disabled: bool) -> None:
        try:
            with self.session_scope(write=True) as connection:  # reads, then writes
                self.accounts.update(
                    connection, username, utcnow(), disabled=disabled, presence="indisponibil"
                )
        except AccountError as error:
            raise UnknownClerkError(f"no clerk '{username}'") from error

    def clerk(self, clerk_id: int) -> Optional[Clerk]:
        with self.session_scope() as connection:
            return self.accounts.by_id(connection, clerk_id)

    def clerk_by_username(self, username: str) -> Optional[Clerk]:
        """The account of ``username`` if it works the console (clerk or admin)."""
        with self.session_scope() as connection:
            account = self.accounts.get(connection, username)
        return account if account is not None and account.role in CONSOLE_ROLES else None

    def list_clerks(self) -> List[Clerk]:
        with self.session_scope() as connection:
            return self.accounts.list(connection, CONSOLE_ROLES)

    def authenticate(self, username: str, password: str) -> Optional[Clerk]:
        """The clerk whose username and password these are, or None (same time either
        way). An auditor's account does not open the console."""
        with db.db_errors("check a clerk's password"):
            account = self.accounts.authenticate(username, password)
        return account if account is not None and account.can_clerk else None

    def set_presence(self, clerk_id: int, presence: str, now: dt.datetime) -> None:
        if presence not in PRESENCES:
            raise ValueError(f"presence must be one of {PRESENCES}, not {presence!r}")
        with self.session_scope() as connection:
            connection.execute(
                clerks.update().where(clerks.c.id == clerk_id).values(presence=presence, last_seen_at=now)
            )

    def touch_clerks(self, clerk_ids: List[int], now: dt.datetime) -> None:
        """Record that these clerks are still connected (console open)."""
        if not clerk_ids:
            return
        with self.session_scope() as connection:
            connection.execute(clerks.update().where(clerks.c.id.in_(clerk_ids)).values(last_seen_at=now))

    def active_clerks(self, now: dt.datetime, grace: dt.timedelta) -> List[Clerk]:
        """Clerks set "activ" and seen within ``grace`` (their console is open)."""
        with self.session_scope() as connection:
            rows = connection.execute(
                sa.select(*_CLERK_COLUMNS)
                .where(clerks.c.presence == ACTIVE, _IS_CLERK)
                .where(clerks.c.disabled == sa.false())
                .where(clerks.c.last_seen_at >= now - grace)
                .order_by(clerks.c.display_name)
            )
            return [_clerk(row) for row in rows]

    def vanished_clerks(self, now: dt.datetime, grace: dt.timedelta) -> List[Clerk]:
        """Clerks not seen within ``grace`` who are still "activ" or hold conversations."""
        holding = sa.select(conversations.c.clerk_id).where(conversations.c.state == CLERK)
        with self.session_scope() as connection:
            rows = connection.execute(
                sa.select(*_CLERK_COLUMNS)
                .where(sa.or_(clerks.c.last_seen_at.is_(None), clerks.c.last_seen_at < now - grace))
                .where(sa.or_(clerks.c.presence == ACTIVE, clerks.c.id.in_(holding)))
            )
            return [_clerk(row) for row in rows]

    # -- console sessions ---------------------------------------------------------------

    def create_session(self, clerk_id: int, now: dt.datetime, ttl: dt.timedelta) -> str:
        with self.session_scope() as connection:
            return self.accounts.create_session(connection, clerk_id, now, ttl)

    def session_clerk(self, token: str, now: dt.datetime) -> Optional[Clerk]:
        """The clerk of an unexpired session token, or None (an auditor's session does
        not open the console)."""
        with self.session_scope() as connection:
            account = self.accounts.session_account(connection, token, now)
        return account if account is not None and account.can_clerk else None

    def delete_session(self, token: str) -> None:
        with self.session_scope() as connection:
            self.accounts.delete_session(connection, token)

    # -- conversations ------------------------------------------------------------------

    def create_conversation(self, now: dt.datetime) -> Conversation:
        conversation_id = uuid.uuid4().hex
        with self.session_scope() as connection:
            connection.execute(
                conversations.insert().values(
                    id=conversation_id,
                    state=BOT,
                    created_at=now,
                    updated_at=now,
                    citizen_seen_at=now,
                )  # fmt: skip
            )
        conversation = self.conversation(conversation_id)
        assert conversation is not None
        return conversation

    def conversation(self, conversation_id: str) -> Optional[Conversation]:
        with self.read_scope() as connection:
            return self.conversation_in(connection, conversation_id)

    def conversation_and_message(
        self, conversation_id: str, message_id: str
    ) -> "tuple[Optional[Conversation], Optional[Message]]":
        """The conversation, and its message stored under ``message_id`` if there is one:
        one query on the path of every citizen message, which is seldom a resend."""
        with self.read_scope() as connection:
            row = connection.execute(
                _CONVERSATION_AND_MESSAGE, {"conversation_id": conversation_id, "message_id": message_id}
            ).first()
            if row is None:
                return None, None
            if row.resent_id is None:
                return _conversation(row), None
            return _conversation(row), self._message_by_message_id(connection, conversation_id, message_id)

    @staticmethod
    def conversation_in(connection: Connection, conversation_id: str) -> Optional[Conversation]:
        row = connection.execute(_CONVERSATION, {"conversation_id": conversation_id}).first()
        return _conversation(row) if row else None

    def citizen_seen(self, conversation_id: str, now: dt.datetime) -> None:
        with self.session_scope() as connection:
            connection.execute(
                conversations.update()
                .where(conversations.c.id == conversation_id)
                .values(citizen_seen_at=now)
            )

    def citizens_seen(self, conversation_ids: List[str], now: dt.datetime) -> None:
        """Record that these citizens still have the chat open (one statement)."""
        if not conversation_ids:
            return
        with self.session_scope() as connection:
            connection.execute(
                conversations.update()
                .where(conversations.c.id.in_(conversation_ids))
                .values(citizen_seen_at=now)
            )

    def _transition(
        self, conversation_id: str, where: List[Any], values: Dict[str, Any], now: dt.datetime
    ) -> bool:
        with self.session_scope() as connection:
            return _transition_in(connection, conversation_id, where, values, now)

    def enqueue(
        self,
        conversation_id: str,
        now: dt.datetime,
        topic: Optional[str] = None,
        form_id: Optional[str] = None,
    ) -> bool:
        """bot → queued."""
        return self._transition(
            conversation_id,
            [conversations.c.state == BOT],
            {"state": QUEUED, "queued_at": now, "topic": topic, "form_id": form_id},
            now,
        )

    def leave_queue(self, conversation_id: str, now: dt.datetime) -> bool:
        """queued → bot (the citizen left the queue, or the office closed)."""
        return self._transition(
            conversation_id,
            [conversations.c.state == QUEUED],
            {"state": BOT, "queued_at": None},
            now,
        )

    def takeover(self, conversation_id: str, clerk_id: int, now: dt.datetime) -> bool:
        """queued → clerk; exactly one of several concurrent callers gets True."""
        return self._transition(
            conversation_id,
            [conversations.c.state == QUEUED],
            {"state": CLERK, "clerk_id": clerk_id, "taken_at": now},
            now,
        )

    def transfer(self, conversation_id: str, from_clerk_id: int, to_clerk_id: int, now: dt.datetime) -> bool:
        return self._transition(
            conversation_id,
            [conversations.c.state == CLERK, conversations.c.clerk_id == from_clerk_id],
            {"clerk_id": to_clerk_id, "taken_at": now},
            now,
        )

    def release(self, conversation_id: str, clerk_id: int, now: dt.datetime) -> bool:
        """clerk → bot."""
        return self._transition(
            conversation_id,
            [conversations.c.state == CLERK, conversations.c.clerk_id == clerk_id],
            {"state": BOT, "clerk_id": None, "queued_at": None},
            now,
        )

    def close(
        self,
        conversation_id: str,
        clerk_id: int,
        now: dt.datetime,
        flag: Optional[str] = None,
        note: Optional[str] = None,
    ) -> bool:
        """clerk → closed; with ``flag`` (a FLAG_REASONS key) also flagged for audit."""
        values: Dict[str, Any] = {"state": CLOSED, "clerk_id": None, "queued_at": None}
        if flag is not None:
            if flag not in FLAG_REASONS:
                raise ValueError(f"flag must be one of {sorted(FLAG_REASONS)}, not {flag!r}")
            values.update(flag=flag, flag_note=note, flagged_at=now)
        return self._transition(
            conversation_id,
            [conversations.c.state == CLERK, conversations.c.clerk_id == clerk_id],
            values,
            now,
        )

    def pause(self, conversation_id: str, until: dt.datetime, flag: Optional[str], now: dt.datetime) -> bool:
        """Hold the citizen's messages back from the bot until ``until``; flag it.

        A pause already running longer is kept (the later end wins).
        """
        if flag is not None and flag not in FLAG_REASONS:
            raise ValueError(f"flag must be one of {sorted(FLAG_REASONS)}, not {flag!r}")
        paused_until = conversations.c.paused_until
        later = sa.case(
            (sa.and_(paused_until.isnot(None), paused_until > sa.literal(until, UTCDateTime)), paused_until),
            else_=sa.literal(until, UTCDateTime),
        )
        values: Dict[str, Any] = {"paused_until": later}
        if flag is not None:
            values.update(flag=flag, flagged_at=now)
        return self._transition(conversation_id, [], values, now)

    def end_pauses(self, now: dt.datetime) -> List[str]:
        """Clear the pauses that ended by ``now``; the ids of those this call cleared.

        Each clear is conditional on the end it read, so of several instances running
        housekeeping only one reports a given pause.
        """
        with self.session_scope() as connection:
            rows = list(
                connection.execute(
                    sa.select(conversations.c.id, conversations.c.paused_until).where(
                        conversations.c.paused_until <= now
                    )
                )
            )
        ended = []
        for row in rows:
            with self.session_scope() as connection:
                result = connection.execute(
                    conversations.update()
                    .where(
                        conversations.c.id == row.id,
                        conversations.c.paused_until == sa.literal(row.paused_until, UTCDateTime),
                    )
                    .values(paused_until=None)
                )
            if result.rowcount == 1:
                ended.append(row.id)
        return ended

    def requeue(self, conversation_id: str, clerk_id: int, now: dt.datetime) -> bool:
        """clerk → queued, keeping the original place in the queue (clerk vanished)."""
        return self._transition(
            conversation_id,
            [conversations.c.state == CLERK, conversations.c.clerk_id == clerk_id],
            {
                "state": QUEUED,
                "clerk_id": None,
                "queued_at": sa.func.coalesce(conversations.c.queued_at, sa.literal(now, UTCDateTime)),
            },
            now,
        )

    def queue(self) -> List[Conversation]:
        """Queued conversations, first come first served."""
        with self.session_scope() as connection:
            rows = connection.execute(
                sa.select(conversations)
                .where(conversations.c.state == QUEUED)
                .order_by(conversations.c.queued_at, conversations.c.id)
            )
            return [_conversation(row) for row in rows]

    def held_by(self, clerk_id: int) -> List[Conversation]:
        with self.session_scope() as connection:
            rows = connection.execute(
                sa.select(conversations)
                .where(conversations.c.state == CLERK, conversations.c.clerk_id == clerk_id)
                .order_by(conversations.c.taken_at)
            )
            return [_conversation(row) for row in rows]

    # -- transcript ---------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        sender: str,
        text: str,
        now: dt.datetime,
        data: Optional[Dict[str, Any]] = None,
        author: Optional[str] = None,
    ) -> Message:
        """Append a citizen, bot or system message."""
        if sender not in SENDERS:
            raise ValueError(f"sender must be one of {SENDERS}, not {sender!r}")
        with self.session_scope() as connection:
            return self._insert_message(
                connection, _message_values(conversation_id, sender, text, now, data, None, author)
            )

    def add_clerk_message(
        self,
        conversation_id: str,
        clerk: Clerk,
        text: str,
        now: dt.datetime,
        data: Optional[Dict[str, Any]] = None,
    ) -> Optional[Message]:
        """Append a message of ``clerk`` if, and only if, the clerk holds the conversation.

        The conditional update locks the conversation row until the message is written,
        so a transfer or release cannot slip in between.
        """
        with self.session_scope() as connection:
            holds = connection.execute(
                conversations.update()
                .where(
                    conversations.c.id == conversation_id,
                    conversations.c.state == CLERK,
                    conversations.c.clerk_id == clerk.id,
                )
                .values(updated_at=now)
            )
            if holds.rowcount != 1:
                return None
            return self._insert_message(
                connection,
                _message_values(conversation_id, CLERK, text, now, data, clerk.id, clerk.display_name),
            )

    @staticmethod
    def _message_by_message_id(
        connection: Connection, conversation_id: str, message_id: str
    ) -> Optional[Message]:
        row = connection.execute(
            _MESSAGE_BY_MESSAGE_ID, {"conversation_id": conversation_id, "message_id": message_id}
        ).first()
        return _message(row) if row else None

    def citizen_message_in(
        self,
        connection: Connection,
        conversation_id: str,
        text: str,
        now: dt.datetime,
        message_id: str,
        data: Optional[Dict[str, Any]] = None,
        to_bot: bool = False,
        reopen: bool = False,
    ) -> "tuple[Message, bool, Optional[Conversation]]":
        """Append a citizen's message once, in the caller's transaction (that of the
        message's archive turn): ``(message, True, conversation)``, or the message stored
        earlier under the same ``message_id`` and ``False`` (a resend, or a copy another
        socket or instance wrote meanwhile: the insert waits for it, then does nothing). A
        closed conversation is reopened for a new message if ``reopen``; the conversation
        is returned as it is then."""
        values = _message_values(
            conversation_id, CITIZEN, text, now, data, None, None, message_id, PENDING if to_bot else None
        )
        row_id = _insert_once(connection, values)
        if row_id is None:
            earlier = self._message_by_message_id(connection, conversation_id, message_id)
            assert earlier is not None, "the insert met this conversation's message_id"
            return earlier, False, self.conversation_in(connection, conversation_id)
        message = _stored_message(values, row_id)
        if reopen:  # closed → bot: the citizen writes again after the clerk closed
            _transition_in(
                connection, conversation_id, [conversations.c.state == CLOSED], {"state": BOT}, now
            )
        return message, True, self.conversation_in(connection, conversation_id)

    def message_in(
        self,
        connection: Connection,
        conversation_id: str,
        sender: str,
        text: str,
        now: dt.datetime,
        data: Optional[Dict[str, Any]] = None,
        author: Optional[str] = None,
    ) -> Optional[Message]:
        """:meth:`add_message` in the caller's transaction; None when the conversation
        is not (or no longer) there."""
        if sender not in SENDERS:
            raise ValueError(f"sender must be one of {SENDERS}, not {sender!r}")
        if connection.execute(_CONVERSATION_EXISTS, {"conversation_id": conversation_id}).first() is None:
            return None
        return self._insert_message(
            connection, _message_values(conversation_id, sender, text, now, data, None, author)
        )

    def mark_answered(self, message_row_id: int) -> None:
        """The bot has answered this message (or the citizen was told it could not)."""
        self._mark_answered([message_row_id])

    async def amark_answered(self, message_row_id: int) -> None:
        """:meth:`mark_answered` off the event loop, with the marks of the other messages
        answered meanwhile: one ``UPDATE`` and one commit for all of them."""
        await self._answered_marks.submit(message_row_id)

    def _mark_answered(self, message_row_ids: Sequence[int]) -> List["Outcome[None]"]:
        with self.session_scope() as connection:
            connection.execute(_MARK_ANSWERED, {"ids": list(message_row_ids)})
        return [None] * len(message_row_ids)

    def unanswered(self, before: dt.datetime, limit: int = 100) -> List[Message]:
        """Citizen messages handed to the bot before ``before`` and never answered: the
        process died between the acknowledgement and the bot's answer."""
        with self.session_scope() as connection:
            rows = connection.execute(
                sa.select(messages)
                .where(messages.c.bot_status == PENDING, messages.c.created_at < before)
                .order_by(messages.c.id)
                .limit(limit)
            ).all()
        return [_message(row) for row in rows]

    @staticmethod
    def _insert_message(connection: Connection, values: Dict[str, Any]) -> Message:
        """The message of the row ``values`` (:func:`_message_values`), inserted."""
        return _stored_message(values, connection.execute(_INSERT_MESSAGE, values).inserted_primary_key[0])

    def message(self, conversation_id: str, message_id: Any) -> Optional[Message]:
        """One message of the conversation, or None (also for another conversation's id)."""
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            return None
        if not 0 < message_id < 2**63:  # no row has it, and SQLite cannot even compare it
            return None
        with self.session_scope() as connection:
            row = connection.execute(
                sa.select(messages).where(
                    messages.c.id == message_id, messages.c.conversation_id == conversation_id
                )
            ).first()
        return _message(row) if row else None

    def transcript(self, conversation_id: str, limit: Optional[int] = None) -> List[Message]:
        """The conversation's messages, oldest first (the latest ``limit`` when given)."""
        query = sa.select(messages).where(messages.c.conversation_id == conversation_id)
        with self.session_scope() as connection:
            if limit is None:
                rows = list(connection.execute(query.order_by(messages.c.id)))
            else:
                rows = list(connection.execute(query.order_by(messages.c.id.desc()).limit(limit)))
                rows.reverse()
        return [_message(row) for row in rows]
