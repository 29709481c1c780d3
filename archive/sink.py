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
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy.engine import Connection

from archive.archive import Archive, append_in_transaction
from archive.errors import ArchiveError
from archive.turns import MESSAGE, CleanTurn, StoredTurn, TurnIn, clean
from archive.writer import shared_writer

logger = logging.getLogger(__name__)


class ArchiveTurnSink:
    """Stores each turn in the archive; raises the channel's error when it cannot.

    Args:
        archive: the archive to write to (default: one on ``url``).
        url: database URL when no ``archive`` is given (default ``$DATABASE_URL``).
    """

    def __init__(self, archive: Optional[Archive] = None, url: Optional[str] = None) -> None:
        self.archive = archive if archive is not None else Archive(url)

    def write_in(
        self, conn: Connection, turns: Sequence[CleanTurn]
    ) -> Tuple[List[StoredTurn], Callable[[], None]]:
        """Chain ``turns`` in the caller's transaction (``archive.writer.Batch``)."""
        return append_in_transaction(conn, turns, self.archive.clock()), _nothing

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
            return await shared_writer(self.archive.engine).submit(self, cleaned)
        except ArchiveError as error:
            logger.error(
                "Turn of conversation %r not archived: %s",
                getattr(turn, "conversation_id", "?"),
                error,
            )
            raise


def _nothing() -> None:
    return None
