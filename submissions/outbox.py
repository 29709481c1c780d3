"""The outbox: e-mails to departments and citizens, sent after their step is committed and
retried with exponential back-off while SMTP is down — none is lost.

A step writes its e-mails into ``outbox`` in its own transaction
(:func:`submissions.records.queue_mail`). :meth:`Outbox.deliver_due` sends those whose
time has come: it first *claims* a row (a conditional ``UPDATE`` that moves its next
attempt ahead by :data:`LEASE`), so two processes never send the same e-mail; on success
the row is marked sent; on failure the attempt is counted and the next one is due after
30 s, 1 min, 2 min, … at most an hour later. Unsent rows are never dropped.
"""

import asyncio
import datetime as dt
import logging
from typing import Any, Callable, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage import db
from storage.types import utcnow
from submissions.mail import MailError, SmtpSettings, send
from submissions.tables import outbox

logger = logging.getLogger(__name__)

FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=1)
LEASE = dt.timedelta(minutes=2)
BATCH = 20
Sender = Callable[[str, str, str], None]


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, … at most 1 h."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def smtp_sender(settings: SmtpSettings) -> Sender:
    return lambda to, subject, body: send(settings, to, subject, body)


class Outbox:
    def __init__(self, engine: Engine, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def pending(self) -> List[Dict[str, Any]]:
        """Every e-mail not yet sent, oldest first."""
        with db.read_connection(self.engine) as conn:
            rows = conn.execute(
                sa.select(outbox).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    def _claim(self, row: Any, now: dt.datetime) -> bool:
        with db.write_transaction(self.engine) as conn:
            return bool(
                conn.execute(
                    outbox.update()
                    .where(outbox.c.id == row.id, outbox.c.sent_at.is_(None))
                    .where(outbox.c.next_attempt_at == row.next_attempt_at)
                    .values(next_attempt_at=now + LEASE)
                ).rowcount
            )

    def deliver_due(self, sender: Sender) -> Tuple[int, int]:
        """Send the e-mails that are due (blocking); returns (sent, failed)."""
        now = self.clock()
        with db.read_connection(self.engine) as conn:
            due = conn.execute(
                sa.select(outbox)
                .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= now)
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(BATCH)
            ).all()
        sent = failed = 0
        for row in due:
            if not self._claim(row, now):
                continue  # another process has it
            try:
                sender(row.to_address, row.subject, row.body)
            except MailError as error:
                failed += 1
                attempts = row.attempts + 1
                wait = backoff(attempts)
                self._update(
                    row.id,
                    attempts=attempts,
                    next_attempt_at=self.clock() + wait,
                    last_error=str(error)[:300],
                )
                logger.warning(
                    "outbox: e-mail %s not sent (attempt %d, next in %s): %s", row.id, attempts, wait, error
                )
                continue
            sent += 1
            self._update(row.id, attempts=row.attempts + 1, sent_at=self.clock(), last_error=None)
            logger.info("outbox: e-mail %s sent", row.id)
        return sent, failed

    def _update(self, row_id: int, **values: Any) -> None:
        with db.write_transaction(self.engine) as conn:
            conn.execute(outbox.update().where(outbox.c.id == row_id).values(**values))


async def outbox_loop(
    outbox_: Outbox, settings: Optional[SmtpSettings], every: float = 15.0, housekeeping: Any = None
) -> None:
    """Send due e-mails every ``every`` seconds, in a worker thread, until cancelled.

    ``housekeeping`` (e.g. ``Submissions.forget_expired``) runs on each round too.
    Without SMTP settings the e-mails wait in the outbox (logged once).
    """
    if settings is None:
        logger.warning("outbox: SMTP_HOST is not set; e-mails wait in the outbox until it is")
    sender = smtp_sender(settings) if settings is not None else None
    while True:
        try:
            if sender is not None:
                await asyncio.to_thread(outbox_.deliver_due, sender)
            if housekeeping is not None:
                await asyncio.to_thread(housekeeping)
        except Exception:  # the database away: log it and try again next round
            logger.exception("outbox: a round failed; trying again in %.0f s", every)
        await asyncio.sleep(every)
