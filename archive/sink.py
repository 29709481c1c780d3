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
from typing import Any, Mapping, Optional

from archive.archive import Archive
from archive.errors import ArchiveError
from archive.turns import MESSAGE, StoredTurn, TurnIn

logger = logging.getLogger(__name__)


class ArchiveTurnSink:
    """Stores each turn in the archive; raises the channel's error when it cannot.

    Args:
        archive: the archive to write to (default: one on ``url``).
        url: database URL when no ``archive`` is given (default ``$DATABASE_URL``).
    """

    def __init__(self, archive: Optional[Archive] = None, url: Optional[str] = None) -> None:
        self.archive = archive if archive is not None else Archive(url)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "ArchiveTurnSink":
        return cls()

    async def record(self, turn: Any) -> StoredTurn:
        """Archive ``turn`` (any object with the fields of ``TurnIn``); committed on return.

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
            return await self.archive.append_async(turn_in)
        except ArchiveError as error:
            logger.error(
                "Turn of conversation %r not archived: %s",
                getattr(turn, "conversation_id", "?"),
                error,
            )
            raise
