"""Rasa tracker store in the archive database, which also archives user and bot turns.

Configure it in endpoints.yml (the database comes from ``DATABASE_URL``, default
``var/efunctionar.db``)::

    tracker_store:
      type: archive.tracker_store.ArchiveTrackerStore

Two things differ from Rasa's own ``SQLTrackerStore``:

* **Failures reach the sender.** Rasa's ``Agent`` wraps every tracker store in
  ``FailSafeTrackerStore``, which on a database error logs it and carries on with an
  in-memory store: the citizen gets an answer and the turn is in no database. Building
  this store makes the ``Agent`` use it unwrapped (``refuses_failsafe``, rasa_patches),
  so a database error propagates out of ``agent.handle_message`` to the channel, which
  tells the sender and does not acknowledge the message.
* **The archive is written in the same transaction** as Rasa's events: the
  conversation state and the archived turns are committed together or not at all.
  See :meth:`ArchiveTrackerStore.turns_to_archive` for which turns the store writes
  and which it leaves to a channel that archives its own turns (livechat/).
"""

import contextlib
import itertools
import json
import logging
import re
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Text, Tuple

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SerializedTrackerAsText, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Connection

from archive.archive import (
    Archive,
    append_in_transaction,
    find_by_sources,
    tracker_events_t,
)
from archive.errors import ARCHIVE_ERRORS, db_errors
from archive.turns import (
    BOT_ARCHIVE_METADATA,
    CLASSIFIED,
    MESSAGE,
    TurnIn,
    bot_archive_metadata,
    clean,
)
from archive.writer import shared_writer
from storage import db

logger = logging.getLogger(__name__)


def _session_start() -> "sa.sql.ScalarSelect":
    events = tracker_events_t
    return (
        sa.select(sa.func.max(events.c.timestamp))
        .where(
            events.c.sender_id == sa.bindparam("sender_id"),
            events.c.type_name == SessionStarted.type_name,
        )
        .scalar_subquery()
    )


_ALL_EVENTS = (
    sa.select(tracker_events_t.c.data)
    .where(tracker_events_t.c.sender_id == sa.bindparam("sender_id"))
    .order_by(tracker_events_t.c.id)
)
# Events since the latest SessionStarted, as Rasa's SQLTrackerStore._event_query selects.
_SESSION_EVENTS = _ALL_EVENTS.where(
    sa.or_(tracker_events_t.c.timestamp >= _session_start(), _session_start().is_(None))
)
_COUNT_SESSION_EVENTS = sa.select(sa.func.count()).select_from(_SESSION_EVENTS.order_by(None).subquery())

#: source_key prefix of the citizen turns this store archives itself.
STORE_KEY_PREFIX = "rasa:"

_FORM_IN_PAYLOAD = re.compile(r'"form"\s*:\s*"([a-z0-9_]{1,64})"')
_FORM_IN_URL = re.compile(r"/formulare/([a-z0-9_]{1,64})\.pdf")
_BOT_EXTRA_KEYS = ("buttons", "quick_replies", "attachment", "image", "elements", "custom")


class ArchiveTrackerStore(TrackerStore, SerializedTrackerAsText):
    """Rasa's conversation state and the turn archive in one database.

    Rasa's ``Agent`` uses it as it is, not inside its ``FailSafeTrackerStore`` (which
    would turn a failed save into an in-memory copy): ``refuses_failsafe`` (rasa_patches).

    Args:
        domain: passed by Rasa's loader.
        host, url: refused: the database is ``DATABASE_URL``, the one setting every
            process reads (storage/README.md); an endpoints.yml ``url`` here once let the
            tracker store and the channel write to two databases.
        event_broker: passed by Rasa's loader.
        archive: the archive to use (tests, embedding); default one on ``DATABASE_URL``.
        migrate: run the archive migrations at start (default true; they are
            idempotent and locked against concurrent starts).
        archive_turns: write citizen and bot turns to the archive (default true).
    """

    refuses_failsafe = True

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        url: Optional[Text] = None,
        migrate: bool = True,
        archive: Optional[Archive] = None,
        archive_turns: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        _install_speedups()
        if url or host:
            raise ValueError(
                "endpoints.yml: tracker_store: the database is not set here; set the "
                "DATABASE_URL environment variable, which every process reads"
            )
        self.archive = archive if archive is not None else Archive()
        if _truthy(migrate):
            db.upgrade(self.archive.url, kinds=ARCHIVE_ERRORS)
        # Fail at start, with the reason, rather than at the first citizen message.
        self.archive.head()
        self.archive_turns = _truthy(archive_turns)
        # Saves that arrive together — of several conversations, and the website channel's
        # turns — go in one transaction (archive/writer.py).
        logger.debug("ArchiveTrackerStore on %r", self.archive.url)

    # --- units of work -----------------------------------------------------------

    @contextlib.contextmanager
    def session_scope(self, write: bool = False) -> Iterator[Connection]:
        """One unit of work: committed on success, rolled back on error.

        ``write=True`` takes the archive's write lock at the start (SQLite) so the
        archive chain can be extended in the same transaction. Without it, the unit is
        a one-statement read, which on PostgreSQL runs without a transaction of its
        own (``db.read_connection``).
        """
        engine = self.archive.engine
        if write:
            with db.write_transaction(engine) as conn:
                yield conn
        else:
            with db.read_connection(engine) as conn:
                yield conn

    # --- TrackerStore -------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events of ``tracker`` and archive its new turns, atomically.

        Raises:
            ArchiveUnavailable: nothing was stored; Rasa passes the error on to the
                channel (this store is not wrapped in ``FailSafeTrackerStore``).
        """
        await self.stream_events(tracker)
        await shared_writer(self.archive.engine).submit(self, tracker)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        # Only the query goes to the database worker (on PostgreSQL a thread); the rows
        # are parsed here, on the loop, without contending for the GIL with it.
        rows = await db.run(self.archive.engine, self._read_events, sender_id, False)
        return self._tracker_from(sender_id, rows)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        rows = await db.run(self.archive.engine, self._read_events, conversation_id, True)
        return self._tracker_from(conversation_id, rows)

    async def keys(self) -> Iterable[Text]:
        def read() -> List[Text]:
            with db_errors("list conversation ids"):
                with self.session_scope() as conn:
                    query = sa.select(tracker_events_t.c.sender_id).distinct()
                    return [row[0] for row in conn.execute(query)]

        return await db.run(self.archive.engine, read)

    # --- implementation -----------------------------------------------------------

    def _read_events(self, sender_id: Text, all_sessions: bool) -> List[Text]:
        """The stored events of a conversation (its latest session unless
        ``all_sessions``), as the JSON texts of their rows."""
        query = _ALL_EVENTS if all_sessions else _SESSION_EVENTS
        with db_errors(f"retrieve conversation {sender_id!r}"):
            with self.session_scope() as conn:
                return conn.execute(query, {"sender_id": sender_id}).scalars().all()

    def _tracker_from(self, sender_id: Text, rows: List[Text]) -> Optional[DialogueStateTracker]:
        if not rows:
            return None
        # One parse of all rows is markedly cheaper than one per row.
        events = json.loads("[" + ",".join(rows) + "]")
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        _remember_stored(tracker, len(events))
        return tracker

    def write_in(
        self, conn: Connection, trackers: Sequence[DialogueStateTracker]
    ) -> Tuple[List[None], Callable[[], None]]:
        """Store the new events and turns of ``trackers`` in the caller's transaction
        (``archive.writer.Batch``); once it committed, each tracker notes what is stored."""
        counts = self._save_in(conn, trackers)

        def committed() -> None:
            # Only once committed: after a failed save the next one must store them again.
            for tracker, count in counts:
                _remember_stored(tracker, count)

        return [None] * len(trackers), committed

    def _save_in(
        self, conn: Connection, trackers: Sequence[DialogueStateTracker]
    ) -> List[Tuple[DialogueStateTracker, int]]:
        """Writes the new events and turns of ``trackers``; how many events each then has stored."""
        counts: List[Tuple[DialogueStateTracker, int]] = []
        rows: List[Dict[str, Any]] = []
        new: List[Tuple[DialogueStateTracker, List[Event]]] = []
        for tracker in trackers:
            stored = _stored_events(tracker)
            if stored is None:
                stored = conn.execute(_COUNT_SESSION_EVENTS, {"sender_id": tracker.sender_id}).scalar()
            new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            counts.append((tracker, stored + len(new_events)))
            rows += [_event_row(tracker.sender_id, event) for event in new_events]
            if new_events:
                new.append((tracker, new_events))
        turns: List[TurnIn] = []
        if new and self.archive_turns:
            archived = _archived_seqs(conn, new)
            for tracker, new_events in new:
                turns += self.turns_to_archive(archived, tracker, new_events)
        if rows:
            conn.execute(tracker_events_t.insert(), rows)
        if turns:
            append_in_transaction(conn, [clean(t) for t in turns], self.archive.clock())
        return counts

    def turns_to_archive(
        self,
        archived: Mapping[Tuple[Text, Text], int],
        tracker: DialogueStateTracker,
        new_events: List[Event],
    ) -> List[TurnIn]:
        """The archive turns for ``new_events``.

        ``archived`` holds the seq of the turns stored under the source keys that
        matter here (see :func:`_archived_seqs`), by (conversation id, source key).

        A channel that archives its own turns (the website channel of livechat/ does,
        before acknowledging or delivering them) archives the citizen's message with
        Rasa's ``message_id`` as ``source_key`` before handing it to Rasa (the
        store's own citizen turns use ``rasa:<message_id>``). When the
        store finds the latest citizen message already archived that way, it adds
        only what the channel cannot know — the NLU result, as a system turn
        ``classified`` — and leaves the bot turns to the channel. Otherwise (e.g. the
        REST channel) it archives the citizen turn with its NLU result and the bot
        turns itself.
        """
        sender_id = tracker.sender_id
        latest = tracker.latest_message
        channel_archives = bool(
            latest is not None and latest.message_id and (sender_id, latest.message_id) in archived
        )
        channel = tracker.get_latest_input_channel()
        turns: List[TurnIn] = []
        for event in new_events:
            if isinstance(event, UserUttered):
                turns.extend(self._citizen_turns(archived, sender_id, event))
            elif isinstance(event, BotUttered) and not channel_archives:
                turn = _bot_turn(sender_id, event, channel)
                if turn is not None:
                    turns.append(turn)
        return turns

    def _citizen_turns(
        self, archived: Mapping[Tuple[Text, Text], int], sender_id: Text, event: UserUttered
    ) -> List[TurnIn]:
        intent = (event.intent or {}).get("name") or None
        confidence = (event.intent or {}).get("confidence")
        form_ids = _form_entities(event)
        if event.message_id:
            archived_seq = archived.get((sender_id, event.message_id))
            if archived_seq is not None:
                if intent is None:
                    return []
                return [
                    TurnIn(
                        sender_id,
                        "system",
                        event=CLASSIFIED,
                        intent=intent,
                        confidence=confidence,
                        form_ids=form_ids,
                        channel=event.input_channel,
                        source_key=f"{event.message_id}:{CLASSIFIED}",
                        extra={"message_seq": archived_seq},
                    )
                ]
        text = event.text or ""
        if not text.strip() and intent is None:
            logger.warning(
                "Conversation %r: user event with neither text nor intent not archived",
                sender_id,
            )
            return []
        return [
            TurnIn(
                sender_id,
                "citizen",
                text,
                event=MESSAGE,
                intent=intent,
                confidence=confidence,
                form_ids=form_ids,
                channel=event.input_channel,
                # Not the bare message_id: that key marks a turn the channel archived.
                source_key=f"{STORE_KEY_PREFIX}{event.message_id}" if event.message_id else None,
            )
        ]


#: Attribute on a tracker this store loaded or saved: how many of its events are stored.
_STORED_ATTRIBUTE = "_archive_stored_events"


def _remember_stored(tracker: DialogueStateTracker, count: int) -> None:
    """Notes on ``tracker`` that its first ``count`` events are in the database.

    Rasa saves the tracker object it loaded, while it holds the conversation's lock,
    so the next save need not count the stored events again. A tracker built elsewhere
    (Rasa's HTTP API, a new conversation) has no note and is counted in the database.
    """
    setattr(tracker, _STORED_ATTRIBUTE, count)


def _stored_events(tracker: DialogueStateTracker) -> Optional[int]:
    count = getattr(tracker, _STORED_ATTRIBUTE, None)
    return count if isinstance(count, int) and 0 <= count <= len(tracker.events) else None


def _install_speedups() -> None:
    """Rasa's hot-path fixes (rasa_patches/): every tracker load deserialises events,
    which is where one of them saves most of the time."""
    import rasa_patches

    rasa_patches.install()


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "0", "off", "")
    return bool(value)


def _event_row(sender_id: Text, event: Event) -> Dict[str, Any]:
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _archived_seqs(
    conn: Connection, new: Sequence[Tuple[DialogueStateTracker, List[Event]]]
) -> Dict[Tuple[Text, Text], int]:
    """Which citizen messages of these trackers a channel archived itself, in one query.

    Looks up, for each tracker, its latest message and the messages among its new
    events, by Rasa ``message_id`` as ``source_key``: the seq of each one found.
    """
    pairs = set()
    for tracker, new_events in new:
        latest = tracker.latest_message
        if latest is not None and latest.message_id:
            pairs.add((tracker.sender_id, latest.message_id))
        for event in new_events:
            if isinstance(event, UserUttered) and event.message_id:
                pairs.add((tracker.sender_id, event.message_id))
    return {pair: turn.seq for pair, turn in find_by_sources(conn, sorted(pairs)).items()}


def _form_entities(event: UserUttered) -> List[str]:
    values = []
    for entity in event.entities or []:
        value = entity.get("value")
        if entity.get("entity") == "form" and isinstance(value, str) and value not in values:
            if re.fullmatch(r"[a-z0-9][a-z0-9_]{0,63}", value):
                values.append(value)
    return values


def _bot_turn(sender_id: Text, event: BotUttered, channel: Optional[Text]) -> Optional[TurnIn]:
    data = event.data or {}
    metadata = event.metadata or {}
    extra: Dict[str, Any] = {key: data[key] for key in _BOT_EXTRA_KEYS if data.get(key)}
    utter_action = metadata.get("utter_action")
    if utter_action:
        extra["utter_action"] = utter_action
    text = event.text or ""
    if not text.strip() and not extra:
        return None  # an empty utterance shows the citizen nothing
    # What the action asked to archive with the message (e.g. the out_of_scope flag and
    # the department of a refused infrastructure question, actions/scope.py).
    flags, archive_extra = bot_archive_metadata(
        metadata.get(BOT_ARCHIVE_METADATA),
        reserved=(*_BOT_EXTRA_KEYS, "utter_action"),
        conversation_id=sender_id,
    )
    found: List[str] = []
    for string in [text, *_strings(extra)]:
        found += _FORM_IN_PAYLOAD.findall(string) + _FORM_IN_URL.findall(string)
    custom = data.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("form_ids"), list):
        found = [str(f) for f in custom["form_ids"]] + found
    form_ids = list(dict.fromkeys(found))
    extra = {**archive_extra, **extra}
    return TurnIn(
        sender_id,
        "bot",
        text,
        form_ids=form_ids,
        channel=channel,
        flags=flags,
        extra=extra or None,
    )


def _strings(value: Any) -> Iterator[str]:
    """Every string inside nested dicts and lists (button payloads, URLs, ...)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
