"""The seam between the live chat and the durable archive (archive/).

The channel hands every turn — citizen, bot, clerk, system — to a :class:`TurnSink`
*before* it acknowledges or delivers it; a sink that raises stops the turn, and the
sender is told. The fields follow ``archive.turns.TurnIn`` so that an adapter is
one line per field.

Which sink is used is set in credentials.yml (``turn_sink: package.module.Class``); a
sink class is built with no arguments, or through ``from_settings(settings)`` when it
has one. Without one, turns are kept only in the handoff transcript table
(``handoff_messages``), which is what the widget and console show.
"""

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Protocol, Sequence, TypeVar, runtime_checkable

from sqlalchemy.engine import Connection, Engine

from archive import errors as archive_errors

logger = logging.getLogger(__name__)

T = TypeVar("T")

MESSAGE = "message"
# System events, named as archive names them.
HANDOFF_REQUESTED = "handoff_requested"
HANDOFF_UNAVAILABLE = "handoff_unavailable"
QUEUED = "queued"
LEFT_QUEUE = "left_queue"
TAKEN_OVER = "taken_over"
TRANSFERRED = "transferred"
RELEASED = "released"
CLOSED = "closed"
# Issue 6 (scope guard and abuse). archive labels out_of_scope_redirect and flags
# it ``out_of_scope``; the others are snake_case names it stores as they are.
OUT_OF_SCOPE_REDIRECT = "out_of_scope_redirect"
PAUSED = "paused"
INTERNAL_NOTE = "internal_note"
PAUSE_ENDED = "pause_ended"
RATE_LIMITED = "rate_limited"


# The turn could not be archived; it must not be acknowledged or delivered. A sink
# raises it (or a subclass: the archive's own errors are).
ArchiveError = archive_errors.ArchiveError


@dataclass(frozen=True)
class Turn:
    """One turn to archive.

    Attributes:
        conversation_id: the conversation (Rasa's sender id).
        speaker: ``citizen``, ``bot``, ``clerk`` or ``system``.
        text: what was said (for system turns, what the citizen was told).
        event: ``message``, or the system event (``queued``, ``taken_over``, …).
        clerk_id: username of the clerk who wrote it or is concerned.
        form_ids: catalog forms shown or discussed.
        source_key: an id unique to this turn, so a retry is not stored twice.
        extra: buttons, attachments, payloads, event details.
        flags: audit flags (``limbaj_jignitor``, ``spam``, ``flood``, …) auditors
            search by; the archive adds its own from the event and intent.
    """

    conversation_id: str
    speaker: str
    text: str = ""
    event: str = MESSAGE
    clerk_id: Optional[str] = None
    form_ids: Sequence[str] = ()
    source_key: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)
    channel: str = "website"
    flags: Sequence[str] = ()


@runtime_checkable
class TurnSink(Protocol):
    """Where turns are archived. ``record`` raises :class:`ArchiveError` on failure."""

    async def record(self, turn: Turn) -> None: ...  # pragma: no cover


@runtime_checkable
class TransactionalSink(Protocol):
    """A sink that also runs the live chat's own write of a turn (its transcript row) in
    the turn's transaction, when both are on one database (archive.sink.ArchiveTurnSink):
    one commit for both, off the event loop, instead of two."""

    def use_engine(self, engine: Engine) -> None: ...  # pragma: no cover

    def writes_to(self, engine: Engine) -> bool: ...  # pragma: no cover

    async def record_with(self, turn: Turn, then: Callable[[Connection], T]) -> T: ...  # pragma: no cover


class TranscriptOnly:
    """No archive configured: the handoff transcript table is the only record."""

    def __init__(self) -> None:
        logger.warning(
            "handoff: no turn_sink configured in credentials.yml; turns are kept only in "
            "the handoff_messages table, not in the audit archive"
        )

    async def record(self, turn: Turn) -> None:
        return None


def load_sink(path: Optional[str], settings: Optional[Dict[str, Any]] = None) -> TurnSink:
    """The sink named by ``path`` (``package.module.Class``), or :class:`TranscriptOnly`."""
    if not path:
        return TranscriptOnly()
    from rasa.shared.utils.common import class_from_module_path

    try:
        sink_class = class_from_module_path(path)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"credentials.yml: turn_sink: cannot load '{path}': {error}") from None
    if not callable(getattr(sink_class, "record", None)):
        raise ValueError(f"credentials.yml: turn_sink: '{path}' has no async record(turn)")
    factory = getattr(sink_class, "from_settings", None)
    sink = factory(settings or {}) if factory else sink_class()
    if not isinstance(sink, TurnSink):
        raise ValueError(f"credentials.yml: turn_sink: '{path}' has no async record(turn)")
    return sink
