"""The archive: append turns, read conversations, verify the chain, purge old turns.

One hash chain runs through the whole archive (see README, "The chain"): every turn
gets the next ``seq`` and hashes the previous turn's hash. Appends are serialised on
the single ``archive_head`` row — ``SELECT … FOR UPDATE`` on PostgreSQL, the database
write lock taken at ``BEGIN IMMEDIATE`` on SQLite — and committed before ``append``
returns.
"""

import dataclasses
import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from archive.errors import (
    ARCHIVE_ERRORS,
    ArchiveIntegrityError,
    ArchiveNotInitialised,
    InvalidQuery,
    UnknownConversation,
    db_errors,
)
from archive.models import GENESIS_HASH, ChainHead, Conversation, Purge, TrackerEvent, Turn
from archive.turns import (
    ARCHIVE_CONVERSATION,
    RESERVED_PREFIX,
    CleanTurn,
    StoredTurn,
    TurnIn,
    clean,
    decode_flags,
    encode_flags,
    fold,
    turn_hash,
)
from storage import db

logger = logging.getLogger(__name__)

turns_t = Turn.__table__
head_t = ChainHead.__table__
conversations_t = Conversation.__table__
purges_t = Purge.__table__
tracker_events_t = TrackerEvent.__table__

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _naive_utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("clock must return timezone-aware datetimes")
    return at.astimezone(timezone.utc).replace(tzinfo=None)


def _aware(at: Optional[datetime]) -> Optional[datetime]:
    return None if at is None else at.replace(tzinfo=timezone.utc)


@dataclasses.dataclass(frozen=True)
class ChainBreak:
    """Where ``verify`` found the chain broken, and why."""

    seq: int
    conversation_id: Optional[str]
    turn_no: Optional[int]
    reason: str

    def __str__(self) -> str:
        where = (
            f"conversation {self.conversation_id!r} turn {self.turn_no}"
            if self.conversation_id is not None
            else "an unknown conversation"
        )
        return f"{where} (seq {self.seq}): {self.reason}"


@dataclasses.dataclass(frozen=True)
class PurgeInfo:
    """One retention purge, as recorded."""

    purged_at: datetime
    purged_by: str
    older_than_days: int
    cutoff: datetime
    through_seq: int
    turns_deleted: int
    first_at: Optional[datetime]
    last_at: Optional[datetime]
    tracker_events_deleted: int
    record_seq: int

    def __str__(self) -> str:
        span = (
            f" written {self.first_at:%Y-%m-%d %H:%M}–{self.last_at:%Y-%m-%d %H:%M} UTC"
            if self.first_at and self.last_at
            else ""
        )
        return (
            f"{self.purged_at:%Y-%m-%d %H:%M:%S} UTC by {self.purged_by}: "
            f"{self.turns_deleted} turns (through seq {self.through_seq}){span} and "
            f"{self.tracker_events_deleted} tracker events older than "
            f"{self.older_than_days} days (before {self.cutoff:%Y-%m-%d %H:%M} UTC)"
        )


@dataclasses.dataclass(frozen=True)
class VerifyReport:
    """Result of :meth:`Archive.verify`."""

    ok: bool
    turns_checked: int
    first_seq: Optional[int]
    head_seq: int
    head_hash: str
    purges: Tuple[PurgeInfo, ...]
    broken_at: Optional[ChainBreak] = None

    def describe(self) -> str:
        lines = []
        if self.ok:
            span = f" (seq {self.first_seq}–{self.head_seq})" if self.turns_checked else ""
            lines.append(f"OK: {self.turns_checked} turns verified{span}.")
            lines.append(f"Chain head: seq {self.head_seq}, hash {self.head_hash}")
        else:
            lines.append(f"BROKEN at {self.broken_at}")
            lines.append(f"({self.turns_checked} turns verified before the break)")
        if self.purges:
            lines.append("Purges:")
            lines.extend(f"  {p}" for p in self.purges)
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class PurgeReport:
    """Result of :meth:`Archive.purge`."""

    cutoff: datetime
    turns_deleted: int
    tracker_events_deleted: int
    through_seq: int
    record: Optional[PurgeInfo]
    transcript_messages_deleted: int = 0

    def describe(self) -> str:
        if self.record is None:
            return f"Nothing older than {self.cutoff:%Y-%m-%d %H:%M} UTC to purge."
        return f"Purged {self.record}"


class Archive:
    """The archive in one database.

    Args:
        url: database URL; ``None`` reads ``DATABASE_URL`` (default: the SQLite file
            ``var/efunctionar.db``). The schema must have been created by
            :func:`storage.db.upgrade` (``python -m storage upgrade``).
        engine: an engine to use instead of making one from ``url`` (not disposed by
            :meth:`close`).
        clock: returns the current time (timezone-aware); tests pass a fake one.

    The engine is made on first use, not here. Every public method is one short unit
    of work; database failures raise :class:`~archive.errors.ArchiveUnavailable`.
    """

    def __init__(
        self,
        url: Union[str, URL, None] = None,
        *,
        engine: Optional[Engine] = None,
        clock: Clock = utc_now,
    ) -> None:
        self._url = db.resolve_url(url) if engine is None else engine.url
        self._engine = engine
        self._owns_engine = engine is None
        self._schema_checked = False
        self._lock = threading.Lock()
        self.clock = clock

    def __repr__(self) -> str:
        return f"Archive({self._url!r})"

    @property
    def url(self) -> URL:
        return self._url

    @property
    def engine_made(self) -> bool:
        """Whether :attr:`engine` was used (or given) already."""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        """The engine, made (and the schema version checked) on first use."""
        with self._lock:
            if self._engine is None:
                self._engine = db.make_engine(self._url)
            if not self._schema_checked:
                db.check_schema(self._engine, ARCHIVE_ERRORS)
                self._schema_checked = True
            return self._engine

    def close(self) -> None:
        """Release the database connections (the archive can be used again after)."""
        with self._lock:
            if self._engine is not None and self._owns_engine:
                self._engine.dispose()
                self._engine = None
            self._schema_checked = False

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -----------------------------------------------------------------

    def append(self, turn: TurnIn) -> StoredTurn:
        """Store one turn and commit before returning it.

        Raises:
            InvalidTurn: the turn is malformed (nothing stored).
            ArchiveUnavailable: the database failed (nothing stored; the sender must
                be told and may retry with the same ``source_key``).
        """
        return self.append_many([turn])[0]

    def append_many(self, turns: Sequence[TurnIn]) -> List[StoredTurn]:
        """Store several turns in one transaction: all of them or none."""
        cleaned = [clean(t) for t in turns]
        if not cleaned:
            return []
        engine = self.engine
        with db_errors(f"append to conversation {cleaned[0].conversation_id!r}"):
            with db.write_transaction(engine) as conn:
                return append_in_transaction(conn, cleaned, self.clock())

    async def append_async(self, turn: TurnIn) -> StoredTurn:
        """:meth:`append` for Sanic handlers (see :func:`storage.db.run`)."""
        return await db.run(self.engine, self.append, turn)

    async def append_many_async(self, turns: Sequence[TurnIn]) -> List[StoredTurn]:
        return await db.run(self.engine, self.append_many, turns)

    # --- reading -----------------------------------------------------------------

    def conversation(self, conversation_id: str) -> List[StoredTurn]:
        """Every stored turn of a conversation, in order.

        Raises:
            UnknownConversation: the archive has never seen this id. A conversation
                whose turns were all purged returns an empty list.
        """
        if not isinstance(conversation_id, str) or not conversation_id:
            raise UnknownConversation(str(conversation_id))
        with db_errors(f"read conversation {conversation_id!r}"):
            with self.engine.connect() as conn:
                known = conn.execute(
                    sa.select(conversations_t.c.conversation_id).where(
                        conversations_t.c.conversation_id == conversation_id
                    )
                ).first()
                if known is None:
                    raise UnknownConversation(conversation_id)
                rows = conn.execute(
                    sa.select(turns_t)
                    .where(turns_t.c.conversation_id == conversation_id)
                    .order_by(turns_t.c.seq)
                ).all()
        return [stored_from_row(r) for r in rows]

    def conversation_ids(self, *, since: Optional[datetime] = None) -> List[str]:
        """Ids of the conversations with a turn at or after ``since`` (all if None)."""
        query = sa.select(conversations_t.c.conversation_id).where(
            ~conversations_t.c.conversation_id.startswith(RESERVED_PREFIX, autoescape=True)
        )
        if since is not None:
            query = query.where(conversations_t.c.last_at >= _naive_utc(since))
        with db_errors("list conversations"):
            with self.engine.connect() as conn:
                return [r[0] for r in conn.execute(query.order_by(conversations_t.c.last_at))]

    def head(self) -> Tuple[int, str]:
        """(seq, hash) of the last turn written: what to anchor outside the database."""
        with db_errors("read the chain head"):
            with self.engine.connect() as conn:
                row = conn.execute(sa.select(head_t.c.seq, head_t.c.hash)).one()
        return int(row.seq), row.hash

    # --- verification ----------------------------------------------------------------

    def verify(self, *, chunk: int = 2000) -> VerifyReport:
        """Check the whole chain; report the first place where it is broken."""
        with db_errors("verify the archive"):
            with self.engine.connect() as conn:
                if not db.is_sqlite(conn):
                    # One snapshot for every statement below.
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    return _verify(conn, chunk)

    # --- retention -------------------------------------------------------------------

    def purge(self, older_than_days: int, *, by: str = "cli") -> PurgeReport:
        """Delete the turns older than ``older_than_days`` days, keeping the chain checkable.

        What goes is the longest run of turns from the start of the chain that are
        all older than the cutoff (turn times never decrease along the chain, so that
        is every older turn), plus Rasa tracker events older than the cutoff. A
        checkpoint row keeps the hash of the last purged turn for ``verify``, and a
        record of the purge is itself chained (conversation ``_archive``).
        """
        if isinstance(older_than_days, bool) or not isinstance(older_than_days, int):
            raise InvalidQuery(f"older_than_days must be a whole number: {older_than_days!r}")
        if older_than_days < 1:
            raise InvalidQuery(f"older_than_days must be at least 1: {older_than_days}")
        if not isinstance(by, str) or not by.strip() or len(by) > 64:
            raise InvalidQuery("purge needs the name of who runs it (by=...)")
        now = self.clock()
        cutoff = now - timedelta(days=older_than_days)
        with db_errors("purge old turns"):
            with db.write_transaction(self.engine) as conn:
                return _purge(conn, now, cutoff, older_than_days, by)


# --- the writer -------------------------------------------------------------------------


_LOCK_HEAD = sa.select(head_t.c.seq, head_t.c.hash, head_t.c.at).where(head_t.c.id == 1)
_LOCK_HEAD_FOR_UPDATE = _LOCK_HEAD.with_for_update()
# Superset of the (conversation, source_key) pairs asked for, filtered in Python: two
# plain IN lists use the unique index on any database.
_FIND_BY_SOURCES = sa.select(turns_t).where(
    turns_t.c.conversation_id.in_(sa.bindparam("cids", expanding=True)),
    turns_t.c.source_key.in_(sa.bindparam("keys", expanding=True)),
)
_CONVERSATION_COUNTERS = sa.select(
    conversations_t.c.conversation_id, conversations_t.c.last_turn_no, conversations_t.c.last_seq
).where(conversations_t.c.conversation_id.in_(sa.bindparam("cids", expanding=True)))
_INSERT_TURN = turns_t.insert()
_INSERT_CONVERSATION = conversations_t.insert()
_UPDATE_CONVERSATION = (
    conversations_t.update()
    .where(conversations_t.c.conversation_id == sa.bindparam("cid"))
    .values(
        last_at=sa.bindparam("last_at"),
        last_turn_no=sa.bindparam("last_turn_no"),
        last_seq=sa.bindparam("last_seq"),
    )
)
_UPDATE_HEAD = (
    head_t.update()
    .where(head_t.c.id == 1)
    .values(seq=sa.bindparam("seq"), hash=sa.bindparam("hash"), at=sa.bindparam("at"))
)
# The statements above are built once: with their parameters passed at execution,
# SQLAlchemy reuses their compiled form, which matters on the per-turn path.


def lock_head(conn: Connection) -> Tuple[int, str, Optional[datetime]]:
    """Read the chain head, locking it until the transaction ends."""
    query = _LOCK_HEAD if db.is_sqlite(conn) else _LOCK_HEAD_FOR_UPDATE
    row = conn.execute(query).first()
    if row is None:
        raise ArchiveNotInitialised("archive_head has no row: the schema was not created by the migrations")
    return int(row.seq), row.hash, row.at


def append_in_transaction(conn: Connection, turns: Sequence[CleanTurn], now: datetime) -> List[StoredTurn]:
    """Chain and insert ``turns`` inside the caller's write transaction.

    The tracker store calls this in the same transaction as its own inserts, so the
    conversation state and the archive are committed together or not at all.
    """
    seq, prev_hash, head_at = lock_head(conn)
    at = _naive_utc(now)
    if head_at is not None and at < head_at:
        # The clock went back: keep times non-decreasing along the chain.
        at = head_at
    # What the batch needs from the database, read once under the head lock: turns
    # already stored under the batch's source keys, and each conversation's counters.
    by_source = find_by_sources(
        conn, [(t.conversation_id, t.source_key) for t in turns if t.source_key is not None]
    )
    # conversation id -> (last_turn_no, last_seq, known before this batch)
    counters: Dict[str, Tuple[int, int, bool]] = {
        cid: (turn_no, last_seq, True)
        for cid, (turn_no, last_seq) in _conversation_counters(
            conn, {t.conversation_id for t in turns}
        ).items()
    }
    stored: List[StoredTurn] = []
    rows: List[Dict[str, Any]] = []
    for turn in turns:
        if turn.source_key is not None:
            earlier = by_source.get((turn.conversation_id, turn.source_key))
            if earlier is not None:
                stored.append(dataclasses.replace(earlier, duplicate=True))
                continue
        last_turn_no, last_seq, known = counters.get(turn.conversation_id, (0, 0, False))
        turn_no = last_turn_no + 1
        conv_prev_seq = last_seq if last_turn_no else None
        seq += 1
        values: Dict[str, Any] = dict(
            seq=seq,
            conversation_id=turn.conversation_id,
            turn_no=turn_no,
            conv_prev_seq=conv_prev_seq,
            at=at,
            speaker=turn.speaker,
            event=turn.event,
            text=turn.text,
            clerk_id=turn.clerk_id,
            intent=turn.intent,
            confidence=turn.confidence,
            source_key=turn.source_key,
        )
        digest = turn_hash(
            prev_hash,
            **values,
            form_ids=turn.form_ids,
            channel=turn.channel,
            flags=turn.flags,
            extra_json=turn.extra_json,
        )
        rows.append(
            {
                **values,
                "channel": turn.channel,
                "form_ids": json.dumps(list(turn.form_ids)),
                "flags": encode_flags(turn.flags),
                "extra": turn.extra_json,
                "search_text": fold(turn.text),
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        counters[turn.conversation_id] = (turn_no, seq, known)
        new = StoredTurn(
            **{**values, "at": at.replace(tzinfo=timezone.utc)},
            form_ids=turn.form_ids,
            channel=turn.channel,
            flags=turn.flags,
            extra=None if turn.extra_json is None else json.loads(turn.extra_json),
            prev_hash=prev_hash,
            hash=digest,
        )
        stored.append(new)
        if turn.source_key is not None:  # a retry within the batch is not stored twice
            by_source[(turn.conversation_id, turn.source_key)] = new
        prev_hash = digest
    if not rows:
        return stored
    conn.execute(_INSERT_TURN, rows)
    changed = {row["conversation_id"] for row in rows}
    updates: List[Dict[str, Any]] = []
    inserts: List[Dict[str, Any]] = []
    for conversation_id, (last_turn_no, last_seq, known) in counters.items():
        if conversation_id not in changed:
            continue  # only duplicates in this batch
        if known:
            updates.append(
                {"cid": conversation_id, "last_at": at, "last_turn_no": last_turn_no, "last_seq": last_seq}
            )
        else:
            first = next(r for r in rows if r["conversation_id"] == conversation_id)
            inserts.append(
                {
                    "conversation_id": conversation_id,
                    "channel": first["channel"],
                    "first_at": at,
                    "last_at": at,
                    "first_seq": first["seq"],
                    "last_turn_no": last_turn_no,
                    "last_seq": last_seq,
                }
            )
    if updates:
        conn.execute(_UPDATE_CONVERSATION, updates)
    if inserts:
        conn.execute(_INSERT_CONVERSATION, inserts)
    conn.execute(_UPDATE_HEAD, {"seq": seq, "hash": prev_hash, "at": at})
    return stored


def find_by_sources(conn: Connection, pairs: Sequence[Tuple[str, str]]) -> Dict[Tuple[str, str], StoredTurn]:
    """The stored turns of ``(conversation_id, source_key)`` pairs, in one query."""
    if not pairs:
        return {}
    wanted = set(pairs)
    rows = conn.execute(
        _FIND_BY_SOURCES,
        {"cids": sorted({cid for cid, _ in wanted}), "keys": sorted({key for _, key in wanted})},
    )
    found = {}
    for row in rows:
        if (row.conversation_id, row.source_key) in wanted:
            found[(row.conversation_id, row.source_key)] = stored_from_row(row)
    return found


def _conversation_counters(conn: Connection, cids: set) -> Dict[str, Tuple[int, int]]:
    """last_turn_no and last_seq of each known conversation of ``cids``, in one query."""
    rows = conn.execute(_CONVERSATION_COUNTERS, {"cids": sorted(cids)})
    return {row.conversation_id: (row.last_turn_no, int(row.last_seq)) for row in rows}


def stored_from_row(row: Any) -> StoredTurn:
    return StoredTurn(
        seq=int(row.seq),
        conversation_id=row.conversation_id,
        turn_no=row.turn_no,
        at=row.at.replace(tzinfo=timezone.utc),
        speaker=row.speaker,
        event=row.event,
        text=row.text,
        clerk_id=row.clerk_id,
        intent=row.intent,
        confidence=row.confidence,
        form_ids=tuple(json.loads(row.form_ids)),
        channel=row.channel,
        flags=decode_flags(row.flags),
        source_key=row.source_key,
        extra=None if row.extra is None else json.loads(row.extra),
        conv_prev_seq=None if row.conv_prev_seq is None else int(row.conv_prev_seq),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _row_hash(row: Any) -> str:
    """Recompute the hash of a stored row from its stored fields."""
    try:
        form_ids = json.loads(row.form_ids)
    except (TypeError, ValueError):
        form_ids = ["<unreadable form_ids>", str(row.form_ids)]
    return turn_hash(
        row.prev_hash,
        seq=int(row.seq),
        conversation_id=row.conversation_id,
        turn_no=row.turn_no,
        conv_prev_seq=None if row.conv_prev_seq is None else int(row.conv_prev_seq),
        at=row.at,
        speaker=row.speaker,
        event=row.event,
        text=row.text,
        clerk_id=row.clerk_id,
        intent=row.intent,
        confidence=row.confidence,
        form_ids=form_ids,
        channel=row.channel,
        flags=list(decode_flags(row.flags)),
        source_key=row.source_key,
        extra_json=row.extra,
    )


# --- verify -----------------------------------------------------------------------------


def _purge_infos(conn: Connection) -> List[Any]:
    return conn.execute(sa.select(purges_t).order_by(purges_t.c.id)).all()


def _purge_info(row: Any) -> PurgeInfo:
    return PurgeInfo(
        purged_at=row.purged_at.replace(tzinfo=timezone.utc),
        purged_by=row.purged_by,
        older_than_days=row.older_than_days,
        cutoff=row.cutoff.replace(tzinfo=timezone.utc),
        through_seq=int(row.through_seq),
        turns_deleted=row.turns_deleted,
        first_at=_aware(row.first_at),
        last_at=_aware(row.last_at),
        tracker_events_deleted=row.tracker_events_deleted,
        record_seq=int(row.record_seq),
    )


def _verify(conn: Connection, chunk: int) -> VerifyReport:
    head_row = conn.execute(sa.select(head_t.c.seq, head_t.c.hash).where(head_t.c.id == 1)).first()
    if head_row is None:
        raise ArchiveNotInitialised("archive_head has no row")
    head_seq, head_hash = int(head_row.seq), head_row.hash
    purge_rows = _purge_infos(conn)
    purges = tuple(_purge_info(r) for r in purge_rows)

    def report(checked: int, first: Optional[int], brk: Optional[ChainBreak]) -> VerifyReport:
        return VerifyReport(
            ok=brk is None,
            turns_checked=checked,
            first_seq=first,
            head_seq=head_seq,
            head_hash=head_hash,
            purges=purges,
            broken_at=brk,
        )

    start_seq, prev_hash = 0, GENESIS_HASH
    checkpoint = max(purge_rows, key=lambda r: r.through_seq, default=None)
    if checkpoint is not None:
        brk = _check_checkpoint(conn, checkpoint)
        if brk is not None:
            return report(0, None, brk)
        start_seq, prev_hash = int(checkpoint.through_seq), checkpoint.through_hash

    scan = _scan(conn, start_seq, prev_hash, head_seq, chunk)
    if scan.broken_at is not None:
        return report(scan.checked, scan.first, scan.broken_at)
    beyond = conn.execute(
        sa.select(turns_t.c.seq, turns_t.c.conversation_id, turns_t.c.turn_no)
        .where(turns_t.c.seq > head_seq)
        .order_by(turns_t.c.seq)
        .limit(1)
    ).first()
    if beyond is not None:
        return report(
            scan.checked,
            scan.first,
            ChainBreak(
                int(beyond.seq),
                beyond.conversation_id,
                beyond.turn_no,
                f"the turn lies beyond the chain head (seq {head_seq}): it was not written by the archive",
            ),
        )
    # The last turn each conversation recorded must still be there.
    lost = conn.execute(
        sa.select(
            conversations_t.c.conversation_id, conversations_t.c.last_turn_no, conversations_t.c.last_seq
        )
        .select_from(conversations_t.outerjoin(turns_t, turns_t.c.seq == conversations_t.c.last_seq))
        .where(conversations_t.c.last_seq > start_seq, turns_t.c.seq.is_(None))
        .order_by(conversations_t.c.last_seq)
        .limit(1)
    ).first()
    if lost is not None:
        return report(
            scan.checked,
            scan.first,
            ChainBreak(
                int(lost.last_seq),
                lost.conversation_id,
                lost.last_turn_no,
                "the last turn of this conversation is missing (deleted?)",
            ),
        )
    if scan.prev_hash != head_hash:
        return report(
            scan.checked,
            scan.first,
            ChainBreak(
                head_seq,
                None if scan.previous is None else scan.previous.conversation_id,
                None if scan.previous is None else scan.previous.turn_no,
                "the chain head does not match the last turn",
            ),
        )
    return report(scan.checked, scan.first, None)


@dataclasses.dataclass
class _Scan:
    checked: int = 0
    first: Optional[int] = None
    previous: Optional[Any] = None
    prev_hash: str = GENESIS_HASH
    broken_at: Optional[ChainBreak] = None


def _scan(conn: Connection, start_seq: int, prev_hash: str, end_seq: int, chunk: int) -> _Scan:
    """Check the turns start_seq+1 … end_seq: present, unchanged, and linked."""
    scan = _Scan(prev_hash=prev_hash)
    expected = start_seq + 1
    last_seq = start_seq
    while True:
        rows = conn.execute(
            sa.select(turns_t)
            .where(turns_t.c.seq > last_seq, turns_t.c.seq <= end_seq)
            .order_by(turns_t.c.seq)
            .limit(chunk)
        ).all()
        if not rows:
            break
        for row in rows:
            seq = int(row.seq)
            if seq != expected:
                scan.broken_at = _missing(conn, expected, seq)
                return scan
            if _row_hash(row) != row.hash:
                scan.broken_at = ChainBreak(
                    seq,
                    row.conversation_id,
                    row.turn_no,
                    "the turn was changed after it was written (its content does not match its hash)",
                )
                return scan
            if row.prev_hash != scan.prev_hash:
                if scan.previous is None:
                    scan.broken_at = ChainBreak(
                        seq,
                        row.conversation_id,
                        row.turn_no,
                        "the first turn does not follow from the start of the chain or "
                        "the last purge checkpoint",
                    )
                else:
                    scan.broken_at = ChainBreak(
                        int(scan.previous.seq),
                        scan.previous.conversation_id,
                        scan.previous.turn_no,
                        f"the turn was changed and re-hashed: the next turn (seq {seq}) "
                        f"recorded a different hash for it",
                    )
                return scan
            scan.checked += 1
            scan.first = seq if scan.first is None else scan.first
            scan.prev_hash = row.hash
            scan.previous = row
            expected = seq + 1
            last_seq = seq
    if last_seq != end_seq:
        scan.broken_at = _missing(conn, expected, None)
    return scan


def _missing(conn: Connection, seq: int, next_present: Optional[int]) -> ChainBreak:
    """Name the turn that should be at ``seq`` but is not."""
    follower = conn.execute(
        sa.select(turns_t.c.conversation_id, turns_t.c.turn_no).where(turns_t.c.conv_prev_seq == seq)
    ).first()
    if follower is not None:
        conversation_id, turn_no = follower.conversation_id, follower.turn_no - 1
    else:
        # The last or the first turn of its conversation, if not in the middle.
        known = conn.execute(
            sa.select(
                conversations_t.c.conversation_id,
                sa.case(
                    (conversations_t.c.last_seq == seq, conversations_t.c.last_turn_no),
                    else_=1,
                ).label("turn_no"),
            ).where(sa.or_(conversations_t.c.last_seq == seq, conversations_t.c.first_seq == seq))
        ).first()
        conversation_id = None if known is None else known.conversation_id
        turn_no = None if known is None else known.turn_no
    if next_present is None:
        reason = "the turn is missing: the chain head says it was written (deleted at the end?)"
    else:
        reason = f"the turn is missing (deleted?); the next turn present is seq {next_present}"
    return ChainBreak(seq, conversation_id, turn_no, reason)


def _check_checkpoint(conn: Connection, checkpoint: Any) -> Optional[ChainBreak]:
    """The latest purge checkpoint must match the purge record chained after it."""
    record = conn.execute(sa.select(turns_t).where(turns_t.c.seq == checkpoint.record_seq)).first()
    bad = ChainBreak(
        int(checkpoint.through_seq),
        None,
        None,
        f"the purge checkpoint of {checkpoint.purged_at:%Y-%m-%d %H:%M} does not match "
        f"its chained record (seq {checkpoint.record_seq})",
    )
    if record is None or record.conversation_id != ARCHIVE_CONVERSATION or record.event != "purged":
        return bad
    try:
        details = json.loads(record.extra or "{}")
    except ValueError:
        return bad
    if (
        details.get("through_seq") != int(checkpoint.through_seq)
        or details.get("through_hash") != checkpoint.through_hash
        or details.get("turns_deleted") != checkpoint.turns_deleted
    ):
        return bad
    return None


# --- purge ------------------------------------------------------------------------------


def _purge(conn: Connection, now: datetime, cutoff: datetime, days: int, by: str) -> PurgeReport:
    head_seq, _head_hash, _ = lock_head(conn)
    naive_cutoff = _naive_utc(cutoff)
    checkpoint = conn.execute(
        sa.select(purges_t.c.through_seq, purges_t.c.through_hash)
        .order_by(purges_t.c.through_seq.desc())
        .limit(1)
    ).first()
    start_seq = 0 if checkpoint is None else int(checkpoint.through_seq)
    start_hash = GENESIS_HASH if checkpoint is None else checkpoint.through_hash

    first_kept = conn.execute(
        sa.select(sa.func.min(turns_t.c.seq)).where(turns_t.c.seq > start_seq, turns_t.c.at >= naive_cutoff)
    ).scalar()
    through_seq = head_seq if first_kept is None else int(first_kept) - 1
    if through_seq > start_seq:
        # Never destroy evidence: what goes (and its link to what stays) must verify.
        scan = _scan(conn, start_seq, start_hash, min(through_seq + 1, head_seq), 2000)
        if scan.broken_at is not None:
            raise ArchiveIntegrityError(
                f"refusing to purge: the chain is broken at {scan.broken_at}; "
                f"run `python -m archive verify` and investigate first"
            )
        stats = conn.execute(
            sa.select(sa.func.count(), sa.func.min(turns_t.c.at), sa.func.max(turns_t.c.at)).where(
                turns_t.c.seq > start_seq, turns_t.c.seq <= through_seq
            )
        ).one()
        through_hash = conn.execute(sa.select(turns_t.c.hash).where(turns_t.c.seq == through_seq)).scalar()
        if through_hash is None:
            raise ArchiveNotInitialised(f"cannot purge: turn seq {through_seq} is missing; run verify first")
        turns_deleted, first_at, last_at = int(stats[0]), stats[1], stats[2]
        conn.execute(turns_t.delete().where(turns_t.c.seq <= through_seq))
    else:
        through_seq, through_hash = start_seq, start_hash
        turns_deleted, first_at, last_at = 0, None, None
    events_deleted = conn.execute(
        tracker_events_t.delete().where(tracker_events_t.c.timestamp < cutoff.timestamp())
    ).rowcount
    transcript_deleted = _purge_transcripts(conn, naive_cutoff)
    filings_deleted, filing_files_deleted, mails_deleted = _purge_filings(conn, naive_cutoff)
    if turns_deleted == 0 and not (
        events_deleted or transcript_deleted or filing_files_deleted or mails_deleted
    ):
        return PurgeReport(cutoff, 0, 0, start_seq, None)

    details = {
        "through_seq": through_seq,
        "through_hash": through_hash,
        "turns_deleted": turns_deleted,
        "tracker_events_deleted": events_deleted,
        "transcript_messages_deleted": transcript_deleted,
        "filings_deleted": filings_deleted,
        "filing_files_deleted": filing_files_deleted,
        "outbox_mails_deleted": mails_deleted,
        "older_than_days": days,
        "cutoff": cutoff.isoformat(),
        "purged_by": by,
        "first_at": None if first_at is None else first_at.isoformat(),
        "last_at": None if last_at is None else last_at.isoformat(),
    }
    record = clean(
        TurnIn(
            conversation_id=ARCHIVE_CONVERSATION,
            speaker="system",
            event="purged",
            text=(
                f"Ștergere la expirarea perioadei de păstrare ({days} zile): "
                f"{turns_deleted} ture, {events_deleted} evenimente Rasa și "
                f"{transcript_deleted} mesaje din transcrierile chatului, {filings_deleted} cereri "
                f"depuse online și {filing_files_deleted} documente."
            ),
            extra=details,
        ),
        internal=True,
    )
    (stored,) = append_in_transaction(conn, [record], now)
    naive_now = _naive_utc(stored.at)
    conn.execute(
        purges_t.insert().values(
            purged_at=naive_now,
            purged_by=by,
            older_than_days=days,
            cutoff=naive_cutoff,
            through_seq=through_seq,
            through_hash=through_hash,
            turns_deleted=turns_deleted,
            first_at=first_at,
            last_at=last_at,
            tracker_events_deleted=events_deleted,
            record_seq=stored.seq,
        )
    )
    info = PurgeInfo(
        purged_at=stored.at,
        purged_by=by,
        older_than_days=days,
        cutoff=cutoff,
        through_seq=through_seq,
        turns_deleted=turns_deleted,
        first_at=_aware(first_at),
        last_at=_aware(last_at),
        tracker_events_deleted=events_deleted,
        record_seq=stored.seq,
    )
    logger.info("archive: purged %s (and %d transcript messages)", info, transcript_deleted)
    return PurgeReport(cutoff, turns_deleted, events_deleted, through_seq, info, transcript_deleted)


# The other copies of citizens' text that retention must reach: the live chat's
# transcript, which the widget shows back on every reconnect and the console shows
# clerks. Named here, not imported, because the live chat sits above the archive.
_transcript_messages = sa.table("handoff_messages", sa.column("conversation_id"), sa.column("created_at"))
_live_conversations = sa.table(
    "handoff_conversations", sa.column("id"), sa.column("state"), sa.column("updated_at"),
    sa.column("flag_note"),
)  # fmt: skip


_conversation_links = sa.table("handoff_conversation_links", sa.column("created_at"))


def _purge_transcripts(conn: Connection, naive_cutoff: datetime) -> int:
    """Delete transcript messages older than the cutoff, and the clerks' notes of
    conversations untouched since then; returns how many messages went."""
    deleted = conn.execute(
        _transcript_messages.delete().where(_transcript_messages.c.created_at < naive_cutoff)
    ).rowcount
    conn.execute(
        _live_conversations.update()
        .where(_live_conversations.c.updated_at < naive_cutoff)
        .where(_live_conversations.c.flag_note.isnot(None))
        .values(flag_note=None)
    )
    # What tied the citizen's conversations together goes with their text (issue 19).
    conn.execute(_conversation_links.delete().where(_conversation_links.c.created_at < naive_cutoff))
    return int(deleted or 0)


# The filed requests (submissions/, above the archive too): a closed filing untouched since
# the cutoff goes with its documents, receipt and answer; documents uploaded and never
# filed go after the cutoff; e-mails sent before it go. Open filings stay until answered.
_filings = sa.table("submissions", sa.column("id"), sa.column("status"), sa.column("updated_at"))
_filing_files = sa.table("submission_files", sa.column("submission_id"), sa.column("added_at"))
_outbox = sa.table("outbox", sa.column("submission_id"), sa.column("sent_at"))


def _purge_filings(conn: Connection, naive_cutoff: datetime) -> Tuple[int, int, int]:
    """(filings, their files and old drafts' files, e-mails) deleted."""
    old = (
        sa.select(_filings.c.id)
        .where(_filings.c.status.in_(["resolved", "rejected"]))
        .where(_filings.c.updated_at < naive_cutoff)
    )
    old_ids = [row[0] for row in conn.execute(old)]
    files_deleted = mails_deleted = 0
    if old_ids:
        files_deleted = conn.execute(
            _filing_files.delete().where(_filing_files.c.submission_id.in_(old_ids))
        ).rowcount
        mails_deleted = conn.execute(_outbox.delete().where(_outbox.c.submission_id.in_(old_ids))).rowcount
        conn.execute(_filings.delete().where(_filings.c.id.in_(old_ids)))
    files_deleted += conn.execute(
        _filing_files.delete()
        .where(_filing_files.c.submission_id.is_(None))
        .where(_filing_files.c.added_at < naive_cutoff)
    ).rowcount
    mails_deleted += conn.execute(
        _outbox.delete().where(_outbox.c.sent_at.isnot(None)).where(_outbox.c.sent_at < naive_cutoff)
    ).rowcount
    return len(old_ids), int(files_deleted or 0), int(mails_deleted or 0)
