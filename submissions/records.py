"""What every step of a filing writes besides the filing itself, in the same transaction:
a system turn in the archive's hash chain, and the e-mails it sends (the outbox).

A filing's turns go to the archive conversation ``cerere-<year>-<number>`` (the chat's
conversation, if any, is named in ``extra``), so an auditor reads a filing's whole
history in one place and ``python -m archive verify`` covers it.
"""

import datetime as dt
from typing import Any, Dict, Optional

from sqlalchemy.engine import Connection

from archive.archive import append_in_transaction
from archive.turns import StoredTurn, TurnIn, clean
from submissions.tables import outbox

# The archive's system events of filings (labelled in archive.turns.SYSTEM_EVENTS).
REGISTERED = "filing_registered"
ASSIGNED = "filing_assigned"
ASKED_CITIZEN = "filing_waiting_citizen"
CITIZEN_REPLIED = "filing_citizen_replied"
RESOLVED = "filing_resolved"
REJECTED = "filing_rejected"
CHANNEL = "submissions"


def archive_conversation(year: int, number: int) -> str:
    return f"cerere-{year}-{number}"


def archive_step(
    conn: Connection,
    now: dt.datetime,
    conversation: str,
    event: str,
    text: str,
    extra: Dict[str, Any],
    clerk: Optional[str] = None,
    form_id: Optional[str] = None,
) -> StoredTurn:
    """Chain a system turn of a filing inside the caller's write transaction."""
    turn = TurnIn(
        conversation_id=conversation,
        speaker="system",
        event=event,
        text=text,
        clerk_id=clerk,
        form_ids=[form_id] if form_id else [],
        channel=CHANNEL,
        extra=extra,
    )
    (stored,) = append_in_transaction(conn, [clean(turn)], now)
    return stored


def queue_mail(
    conn: Connection, now: dt.datetime, to: Optional[str], subject: str, body: str, submission_id: int
) -> None:
    """An e-mail for the outbox, sent by :class:`submissions.outbox.Sender` after commit."""
    if not to:
        return
    conn.execute(
        outbox.insert().values(
            submission_id=submission_id,
            to_address=to,
            subject=subject[:300],
            body=body,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )
