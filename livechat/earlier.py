"""The citizen's earlier conversations, for the clerk who holds one (issue 19).

Two things tie conversations of the same citizen together (``conversation_links``):
- the same browser: the widget keeps a random id in the browser's storage and sends it
  in its ``hello`` frame; only its SHA-256 is stored;
- the same filing: a filing made from a conversation (``submissions.conversation_id``),
  and every conversation in which the citizen asked its status with the registration
  number and the access code (so the code was proved, not just a number typed).

Nothing else is used — not the IP address, not a name typed in the chat.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from livechat.tables import CITIZEN, conversation_links, conversations, messages
from storage import db
from submissions.tables import filings

BROWSER, FILING = "browser", "filing"
#: The widget's id: 32 random bytes as hex (web/static/widget.js), or at least 16 safe characters.
BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_EARLIER = 20
FIRST_MESSAGE_CHARS = 140


def browser_key(browser_id: str) -> str:
    return hashlib.sha256(f"efunctionar-browser:{browser_id}".encode()).hexdigest()


def link(conn: Connection, conversation_id: str, kind: str, key: str, now: dt.datetime) -> None:
    """Tie ``conversation_id`` to ``(kind, key)`` (once; a second call changes nothing).
    One statement: safe in a unit of work begun as a reader (storage/db.py ``upsert``)."""
    conn.execute(
        db.upsert(conn, conversation_links)
        .values(conversation_id=conversation_id, kind=kind, key=key, created_at=now)
        .on_conflict_do_nothing()
    )


def _keys(conn: Connection, conversation_id: str) -> Set[Tuple[str, str]]:
    keys = {
        (row.kind, row.key)
        for row in conn.execute(
            sa.select(conversation_links.c.kind, conversation_links.c.key).where(
                conversation_links.c.conversation_id == conversation_id
            )
        )
    }
    for row in conn.execute(
        sa.select(filings.c.registration_no).where(filings.c.conversation_id == conversation_id)
    ):
        keys.add((FILING, row.registration_no))
    return keys


@dataclass(frozen=True)
class Earlier:
    id: str
    started_at: dt.datetime
    first_message: Optional[str]
    via: Tuple[str, ...]  # "același browser", "cererea nr. …"

    def as_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(),
            "first_message": self.first_message,
            "via": list(self.via),
        }


def _via(kind: str, key: str) -> str:
    return "același browser" if kind == BROWSER else f"cererea nr. {key}"


def earlier(conn: Connection, conversation_id: str) -> List[Earlier]:
    """The other conversations tied to ``conversation_id``, newest first (at most
    MAX_EARLIER), each with its first citizen message and what ties it."""
    found: Dict[str, Set[str]] = {}
    keys = _keys(conn, conversation_id)
    for kind, key in sorted(keys):
        rows = conn.execute(
            sa.select(conversation_links.c.conversation_id).where(
                conversation_links.c.kind == kind, conversation_links.c.key == key
            )
        )
        ids = {row.conversation_id for row in rows}
        if kind == FILING:
            ids |= {
                row.conversation_id
                for row in conn.execute(
                    sa.select(filings.c.conversation_id).where(filings.c.registration_no == key)
                )
                if row.conversation_id
            }
        for other in ids - {conversation_id}:
            found.setdefault(other, set()).add(_via(kind, key))
    if not found:
        return []
    rows = conn.execute(
        sa.select(conversations.c.id, conversations.c.created_at)
        .where(conversations.c.id.in_(list(found)))
        .order_by(conversations.c.created_at.desc())
        .limit(MAX_EARLIER)
    ).all()
    result = []
    for row in rows:
        first = conn.execute(
            sa.select(messages.c.text)
            .where(messages.c.conversation_id == row.id, messages.c.sender == CITIZEN)
            .order_by(messages.c.id)
            .limit(1)
        ).scalar()
        text = None if first is None else (first if len(first) <= FIRST_MESSAGE_CHARS else first[:139] + "…")
        result.append(Earlier(row.id, row.created_at, text, tuple(sorted(found[row.id]))))
    return result
