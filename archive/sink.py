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
from typing import Any, List, Mapping, Optional, Sequence

from archive.archive import Archive
from archive.errors import ArchiveError, ArchiveUnavailable
from archive.turns import MESSAGE, StoredTurn, TurnIn, clean
from storage.group_commit import GroupCommit, Outcome, each_alone

logger = logging.getLogger(__name__)


class ArchiveTurnSink:
    """Stores each turn in the archive; raises the channel's error when it cannot.

    Args:
        archive: the archive to write to (default: one on ``url``).
        url: database URL when no ``archive`` is given (default ``$DATABASE_URL``).
    """

    def __init__(self, archive: Optional[Archive] = None, url: Optional[str] = None) -> None:
        self.archive = archive if archive is not None else Archive(url)
        # The turns of many conversations arrive together: one transaction (one pass
        # over the chain head, one commit) for those queued while the last was written.
        self._group_commit: GroupCommit[TurnIn, StoredTurn] = GroupCommit(
            self._append,
            stopped=lambda: ArchiveUnavailable("the server stopped during the write; send again"),
        )

    def _append(self, turns: Sequence[TurnIn]) -> List["Outcome[StoredTurn]"]:
        return each_alone(turns, self.archive.append_many)

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
            clean(turn_in)  # a malformed turn fails here, not the batch it would join
            return await self._group_commit.submit(turn_in)
        except ArchiveError as error:
            logger.error(
                "Turn of conversation %r not archived: %s",
                getattr(turn, "conversation_id", "?"),
                error,
            )
            raise
