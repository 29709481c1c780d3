"""The archive as the turn sink of the website channel (livechat/).

The channel hands every turn to a sink *before* acknowledging or delivering it, and stops
the turn when the sink raises. Name this class in credentials.yml::

    web.site.WebsiteChannel:
      turn_sink: archive.sink.ArchiveTurnSink

Contract with the channel (see archive/README.md): a citizen message that is
handed to Rasa is recorded with ``source_key`` = the ``message_id`` given to Rasa's
``UserMessage``, so that the tracker store adds the NLU result to it instead of
archiving the message a second time.
"""

import logging
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, TypeVar

from sqlalchemy.engine import Connection, Engine

from archive.archive import Archive, append_in_transaction
from archive.errors import ArchiveError
from archive.turns import MESSAGE, CleanTurn, StoredTurn, TurnIn, clean
from archive.writer import shared_writer
from storage import db

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A turn to chain, and the write to run after it in its transaction (or None).
Job = Tuple[CleanTurn, Optional[Callable[[Connection], Any]]]


class ArchiveTurnSink:
    """Stores each turn in the archive; raises the channel's error when it cannot.

    Args:
        archive: the archive to write to (default: one on ``url``).
        url: database URL when no ``archive`` is given (default ``$DATABASE_URL``).
    """

    def __init__(self, archive: Optional[Archive] = None, url: Optional[str] = None) -> None:
        self.archive = archive if archive is not None else Archive(url)

    def write_in(self, conn: Connection, jobs: Sequence["Job"]) -> Tuple[List[Any], Callable[[], None]]:
        """Chain the jobs' turns in the caller's transaction (``archive.writer.Batch``), then
        run each job's own write; a job's result is its write's, or its stored turn."""
        stored = append_in_transaction(conn, [turn for turn, _ in jobs], self.archive.clock())
        return [turn if then is None else then(conn) for turn, (_, then) in zip(stored, jobs)], _nothing

    def use_engine(self, engine: Engine) -> None:
        """Write with ``engine`` (the live chat's) when it is on the archive's database and
        the sink has not written yet: one pool of connections for both, so that a
        connection the server dropped, found by either, is replaced for both (after a
        PostgreSQL restart only the message that meets it is refused)."""
        if self.writes_to(engine) and not self.archive.engine_made:
            self.archive = Archive(engine=engine, clock=self.archive.clock)

    def writes_to(self, engine: Engine) -> bool:
        """Whether ``engine`` is on the archive's database (see :meth:`record_with`)."""
        return db.url_key(engine.url) == db.url_key(self.archive.url)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "ArchiveTurnSink":
        return cls()

    async def record(self, turn: Any) -> StoredTurn:
        """Archive ``turn`` (any object with the fields of ``TurnIn``); committed on return,
        in one transaction with the turns of other conversations written at the same time.

        Raises:
            livechat.archive.ArchiveError: when the turn is malformed or the database
                failed; the original archive error is its ``__cause__``.
        """
        result: StoredTurn = await self._submit(turn, None)
        return result

    async def record_with(self, turn: Any, then: Callable[[Connection], T]) -> T:
        """Archive ``turn`` and run ``then`` — the live chat's own write of it, e.g. its
        transcript row — in the same transaction, on a database :meth:`writes_to`: both are
        committed or neither, in the writing thread (archive/writer.py), not on the event
        loop. Returns what ``then`` returned; raises as :meth:`record` (``then``'s database
        errors included)."""
        result: T = await self._submit(turn, then)
        return result

    async def _submit(self, turn: Any, then: Optional[Callable[[Connection], Any]]) -> Any:
        extra = getattr(turn, "extra", None)
        try:
            turn_in = TurnIn(
                conversation_id=turn.conversation_id,
                speaker=turn.speaker,
                text=getattr(turn, "text", "") or "",
                event=getattr(turn, "event", MESSAGE) or MESSAGE,
                clerk_id=getattr(turn, "clerk_id", None),
                intent=getattr(turn, "intent", None),
                confidence=getattr(turn, "confidence", None),
                form_ids=tuple(getattr(turn, "form_ids", ()) or ()),
                channel=getattr(turn, "channel", None),
                flags=tuple(getattr(turn, "flags", ()) or ()),
                source_key=getattr(turn, "source_key", None),
                extra=dict(extra) if extra else None,
            )
            # A malformed turn fails here, not the batch it would join; the turns of other
            # conversations and Rasa's saves written now share its transaction (archive/writer.py).
            cleaned = clean(turn_in)
            return await shared_writer(self.archive.engine).submit(self, (cleaned, then))
        except ArchiveError as error:
            logger.error(
                "Turn of conversation %r not archived: %s",
                getattr(turn, "conversation_id", "?"),
                error,
            )
            raise


def _nothing() -> None:
    return None
