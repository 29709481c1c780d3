"""The admin dashboard's daily pre-aggregate (issue 17): counts per Europe/Bucharest day,
computed incrementally from the archive's turns.

A year of turns is 600,000+ rows; counting them on every load of the dashboard took
seconds. ``archive_stats_days`` holds, for each local day, the counts the figures add
up (``metric``, ``key`` -> ``value``, e.g. ``("form", "petitie")`` -> 12), and
``archive_stats_state`` the last ``seq`` already counted. :func:`refresh` counts only the
turns (and the conversations) written since, so a load of the dashboard reads a few
thousand small rows whatever the length of the range. Rows of the archive are only ever
appended, with increasing ``seq``, under the chain lock, so the counted turns are always
a prefix of the chain; the one exception is the retention purge, which deletes old turns:
after a new purge (a new row of ``archive_purges``) the pre-aggregate is rebuilt.

:func:`refresh` reads without holding the write lock and writes its counts in one short
transaction that first moves ``through_seq`` from the value it started from
(``UPDATE … WHERE through_seq = :seen``): of two refreshes at once, exactly one adds its
counts; the other changes nothing.

The metrics (day: the local day of the turn, or of the conversation's first turn where
marked *conversation*):

=================  ===================  ==================================================
metric             key                  counts
=================  ===================  ==================================================
``conversations``  ``""``               conversations (not ``_`` reserved) — *conversation*
``taken``          ``""``               conversations a clerk took over — *conversation*
``length``         citizen messages     conversations by their citizen messages — *conversation*
``queued``         ``""``               ``queued`` turns
``unavailable``    the reason           ``handoff_unavailable`` turns by ``extra.reason``
``classified``     ``""``               citizen messages with an intent
``fallback``       ``""``               of those, intent ``nlu_fallback`` / ``out_of_scope``
``form``           catalog id           citizen messages naming the form
``redirect``       department           bot and clerk messages carrying a ``redirect``
``rating``         ``score:clerk``      ``rating`` turns (clerk empty for the bot)
=================  ===================  ==================================================
"""

import dataclasses
import datetime as dt
import functools
import json
from collections import Counter
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from archive.errors import db_errors
from archive.models import Conversation, Purge, StatsDay, StatsState, Turn
from archive.turns import LOCAL_TZ, RESERVED_PREFIX
from storage import db

turns = Turn.__table__
conversations = Conversation.__table__
days_t = StatsDay.__table__
state_t = StatsState.__table__
purges_t = Purge.__table__

#: Intents that mean the bot did not know what to answer.
FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
RATING_EVENT = "rating"
KEY_LENGTH = 255
#: Conversation ids per ``IN (…)`` of the incremental look-ups.
CHUNK = 500


def local_day(moment: dt.datetime) -> dt.date:
    """The Europe/Bucharest day of a naive UTC time of the archive."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(LOCAL_TZ).date()


def hour_of(conn: Connection, column: Any) -> Any:
    """The UTC hour of ``column``, in this database's SQL: text ``AAAA-LL-ZZ HH`` on
    SQLite, a truncated timestamp on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        # SQLAlchemy stores "AAAA-LL-ZZ HH:MM:SS.ffffff": the first 13 characters are the
        # hour, and cutting them is several times cheaper than strftime on every row.
        return sa.func.substr(column, 1, 13)
    return sa.func.date_trunc("hour", column)


@functools.lru_cache(maxsize=32_768)
def hour_day(hour: Any) -> dt.date:
    """The local day of a UTC hour of :func:`hour_of`. Bucharest's offset is always a
    whole number of hours, so the hour's day is every one of its moments' day."""
    if isinstance(hour, dt.datetime):
        return local_day(hour)
    # "AAAA-LL-ZZ HH" by slicing: strptime took most of a year's query time.
    return local_day(dt.datetime(int(hour[0:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13])))


def _extra(text: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _form_ids(text: str) -> Set[str]:
    try:
        ids = json.loads(text)
    except ValueError:
        return set()
    return {str(i) for i in ids} if isinstance(ids, list) else set()


@dataclasses.dataclass(frozen=True)
class Refreshed:
    """What one :func:`refresh` did: the turns counted, and whether it rebuilt."""

    through_seq: int
    counted_turns: int
    rebuilt: bool
    written: bool


def _chunks(items: Iterable[str]) -> Iterable[List[str]]:
    items = list(items)
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _deltas(conn: Connection, seen: int, head: int) -> Tuple[Counter, int]:
    """The counts of turns and conversations with ``seen < seq <= head``."""
    deltas: Counter = Counter()
    conv_day: Dict[str, dt.date] = {}
    new_convs = sa.select(conversations.c.conversation_id, hour_of(conn, conversations.c.first_at)).where(
        conversations.c.first_seq > seen, conversations.c.first_seq <= head
    )
    for cid, hour in conn.execute(new_convs):
        day = conv_day[cid] = hour_day(hour)
        if not cid.startswith(RESERVED_PREFIX):
            deltas[("conversations", day, "")] += 1
    citizen: Counter = Counter()
    taken: Set[str] = set()
    counted = 0
    query = sa.select(
        turns.c.conversation_id, hour_of(conn, turns.c.at), turns.c.speaker, turns.c.event,
        turns.c.clerk_id, turns.c.intent, turns.c.form_ids, turns.c.extra,
    ).where(turns.c.seq > seen, turns.c.seq <= head)  # fmt: skip
    for cid, hour, speaker, event, clerk_id, intent, form_ids, extra in conn.execute(query):
        counted += 1
        day = hour_day(hour)
        if speaker == "citizen":  # a citizen turn is always a message (archive/turns.py)
            citizen[cid] += 1
            if intent is not None:
                deltas[("classified", day, "")] += 1
                if intent in FALLBACK_INTENTS:
                    deltas[("fallback", day, "")] += 1
            if form_ids != "[]":
                for form_id in _form_ids(form_ids):
                    deltas[("form", day, form_id[:KEY_LENGTH])] += 1
        elif speaker in ("bot", "clerk") and extra and '"redirect"' in extra:
            redirect = _extra(extra).get("redirect")
            if isinstance(redirect, dict):
                name = str(redirect.get("department") or redirect.get("topic") or "necunoscut")
                deltas[("redirect", day, name[:KEY_LENGTH])] += 1
        if event == "queued":
            deltas[("queued", day, "")] += 1
        elif event == "handoff_unavailable":
            deltas[("unavailable", day, str(_extra(extra).get("reason"))[:KEY_LENGTH])] += 1
        elif event == "taken_over":
            taken.add(cid)
        elif event == RATING_EVENT:
            score = _extra(extra).get("score")
            if isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5:
                deltas[("rating", day, f"{score}:{clerk_id or ''}")] += 1
    _conversation_deltas(conn, seen, deltas, conv_day, citizen, taken)
    return deltas, counted


def _conversation_deltas(
    conn: Connection,
    seen: int,
    deltas: Counter,
    conv_day: Dict[str, dt.date],
    citizen: Counter,
    taken: Set[str],
) -> None:
    """Lengths and takeovers, counted on the day the conversation started: a conversation
    already counted moves from its old length to its new one, and counts as taken over once."""
    missing = (set(citizen) | taken) - set(conv_day)
    for chunk in _chunks(sorted(missing)):
        query = sa.select(conversations.c.conversation_id, hour_of(conn, conversations.c.first_at)).where(
            conversations.c.conversation_id.in_(chunk)
        )
        conv_day.update((cid, hour_day(hour)) for cid, hour in conn.execute(query))
    before: Counter = Counter()
    taken_before: Set[str] = set()
    if seen:
        for chunk in _chunks(sorted(citizen)):
            query = (
                sa.select(turns.c.conversation_id, sa.func.count())
                .where(turns.c.conversation_id.in_(chunk), turns.c.speaker == "citizen", turns.c.seq <= seen)
                .group_by(turns.c.conversation_id)
            )
            before.update({cid: int(n) for cid, n in conn.execute(query)})
        for chunk in _chunks(sorted(taken)):
            query = sa.select(turns.c.conversation_id).where(
                turns.c.conversation_id.in_(chunk), turns.c.event == "taken_over", turns.c.seq <= seen
            )
            taken_before.update(cid for (cid,) in conn.execute(query))
    for cid, added in citizen.items():
        day = conv_day.get(cid)
        if day is None:
            continue
        if before[cid]:
            deltas[("length", day, str(before[cid]))] -= 1
        deltas[("length", day, str(before[cid] + added))] += 1
    for cid in taken - taken_before:
        if cid in conv_day:
            deltas[("taken", conv_day[cid], "")] += 1


def refresh(engine: Engine, now: Optional[dt.datetime] = None) -> Refreshed:
    """Count the turns written since the last refresh (everything after a purge)."""
    with db_errors("refresh the dashboard's daily counts"):
        with engine.connect() as conn:
            seen, seen_purge = conn.execute(sa.select(state_t.c.through_seq, state_t.c.purge_id)).one()
            purge = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(purges_t.c.id), 0))).scalar_one())
            head = max(
                int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(turns.c.seq), 0))).scalar_one()),
                int(
                    conn.execute(
                        sa.select(sa.func.coalesce(sa.func.max(conversations.c.first_seq), 0))
                    ).scalar_one()
                ),
            )
            rebuild = purge != seen_purge
            start = 0 if rebuild else int(seen)
            if head <= start and not rebuild:
                return Refreshed(int(seen), 0, False, False)
            deltas, counted = _deltas(conn, start, head)
        with db.write_transaction(engine) as conn:
            moved = conn.execute(
                sa.update(state_t)
                .where(state_t.c.id == 1, state_t.c.through_seq == seen, state_t.c.purge_id == seen_purge)
                .values(through_seq=head, purge_id=purge,
                        refreshed_at=(now or dt.datetime.now(dt.timezone.utc)).replace(tzinfo=None))
            ).rowcount  # fmt: skip
            if moved != 1:  # another refresh counted these turns first
                return Refreshed(int(seen), 0, False, False)
            if rebuild:
                conn.execute(sa.delete(days_t))
            rows = [
                {"metric": metric, "day": day, "key": key, "value": value}
                for (metric, day, key), value in deltas.items()
                if value
            ]
            if rows:
                stmt = db.upsert(conn, days_t)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[days_t.c.metric, days_t.c.day, days_t.c.key],
                    set_={"value": days_t.c.value + stmt.excluded.value},
                )
                for i in range(0, len(rows), 2000):
                    conn.execute(stmt, rows[i : i + 2000])
        return Refreshed(head, counted, rebuild, True)


def values(conn: Connection, metric: str, since: dt.date, until: dt.date) -> List[Tuple[dt.date, str, int]]:
    """``(day, key, value)`` of ``metric`` for the local days ``since`` … ``until``."""
    query = sa.select(days_t.c.day, days_t.c.key, days_t.c.value).where(
        days_t.c.metric == metric, days_t.c.day >= since, days_t.c.day <= until, days_t.c.value != 0
    )
    return [(day, key, int(value)) for day, key, value in conn.execute(query)]
