"""The saved replies of the Relații cu Publicul department (issue 19).

A saved reply is a title and a text that a clerk inserts into a reply from the console's
picker or "/" (then edits and sends, as a card section). Admins create, edit and delete
them on their page (``web/saved_replies.py``). Titles are unique (case-insensitively),
so that the picker never shows two entries of the same name.

Every change checks its input first and raises :class:`SavedReplyError` with a Romanian
message; nothing is written then.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.types import UTCDateTime, metadata

MAX_TITLE_CHARS = 80
#: A saved reply goes into a clerk's message, whose limit it must respect
#: (livechat.settings.MAX_MESSAGE_CHARS).
MAX_TEXT_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tabs and new lines are allowed in texts

saved_replies = sa.Table(
    "saved_replies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(MAX_TITLE_CHARS), nullable=False),
    # The folded title: the unique key ("Program" and "program " are the same reply).
    sa.Column("title_key", sa.String(MAX_TITLE_CHARS), nullable=False, unique=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


class SavedReplyError(ValueError):
    """A saved reply cannot be stored as asked; the message is Romanian, for the admin."""


class UnknownSavedReply(SavedReplyError, LookupError):
    """No saved reply has this id."""


@dataclass(frozen=True)
class SavedReply:
    id: int
    title: str
    text: str
    updated_by: str
    updated_at: dt.datetime

    def as_json(self) -> Dict[str, Any]:
        return {"id": self.id, "title": self.title, "text": self.text}


def _reply(row: Any) -> SavedReply:
    return SavedReply(row.id, row.title, row.text, row.updated_by, row.updated_at)


def check(title: Any, text: Any) -> "tuple[str, str]":
    """The title and text to store (title trimmed, text's trailing spaces dropped), or
    :class:`SavedReplyError` naming what is wrong."""
    if not isinstance(title, str) or not title.strip():
        raise SavedReplyError("Completați titlul răspunsului.")
    if not isinstance(text, str) or not text.strip():
        raise SavedReplyError("Completați textul răspunsului.")
    title, text = " ".join(title.split()), text.strip().replace("\r\n", "\n")
    if len(title) > MAX_TITLE_CHARS:
        raise SavedReplyError(
            f"Titlul are {len(title)} de caractere; limita este de {MAX_TITLE_CHARS}. Scurtați-l."
        )
    if len(text) > MAX_TEXT_CHARS:
        raise SavedReplyError(
            f"Textul are {len(text)} de caractere; limita este de {MAX_TEXT_CHARS} "
            "(cât are un mesaj către cetățean). Scurtați-l."
        )
    if _CONTROL.search(title) or _CONTROL.search(text):
        raise SavedReplyError("Textul conține caractere de control; scrieți doar text.")
    return title, text


def _key(title: str) -> str:
    return title.casefold()


def _taken(conn: Connection, title: str, except_id: Optional[int] = None) -> None:
    query = sa.select(saved_replies.c.id).where(saved_replies.c.title_key == _key(title))
    if except_id is not None:
        query = query.where(saved_replies.c.id != except_id)
    if conn.execute(query).first() is not None:
        raise SavedReplyError(f"Există deja un răspuns cu titlul „{title}”. Alegeți alt titlu.")


def all_replies(conn: Connection) -> List[SavedReply]:
    """Every saved reply, by title."""
    rows = conn.execute(sa.select(saved_replies).order_by(saved_replies.c.title_key))
    return [_reply(row) for row in rows]


def get(conn: Connection, reply_id: int) -> SavedReply:
    row = conn.execute(sa.select(saved_replies).where(saved_replies.c.id == reply_id)).first()
    if row is None:
        raise UnknownSavedReply("Răspunsul salvat nu mai există (poate a fost șters între timp).")
    return _reply(row)


def create(conn: Connection, title: Any, text: Any, by: str, now: dt.datetime) -> SavedReply:
    """Store a new reply in the transaction ``conn``."""
    title, text = check(title, text)
    _taken(conn, title)
    values = dict(
        title=title, title_key=_key(title), text=text, updated_by=by, created_at=now, updated_at=now
    )
    new_id = conn.execute(saved_replies.insert().values(**values)).inserted_primary_key[0]
    return get(conn, int(new_id))


def update(conn: Connection, reply_id: int, title: Any, text: Any, by: str, now: dt.datetime) -> SavedReply:
    """Change the title and text of reply ``reply_id``."""
    get(conn, reply_id)
    title, text = check(title, text)
    _taken(conn, title, except_id=reply_id)
    conn.execute(
        saved_replies.update()
        .where(saved_replies.c.id == reply_id)
        .values(title=title, title_key=_key(title), text=text, updated_by=by, updated_at=now)
    )
    return get(conn, reply_id)


def delete(conn: Connection, reply_id: int) -> None:
    if conn.execute(saved_replies.delete().where(saved_replies.c.id == reply_id)).rowcount == 0:
        raise UnknownSavedReply("Răspunsul salvat nu mai există (poate a fost șters între timp).")
