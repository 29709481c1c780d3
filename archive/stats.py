"""What the admin dashboard counts (issue 17), read from the archive's turns.

Every figure comes from ``archive_turns`` and ``archive_conversations`` — what was said
and what happened, as the live chat archived it — never from the live chat's own tables,
so that the dashboard and the audit view tell the same story. Each query returns a
:class:`Table` (a title, column names, rows) that the page draws as a chart and offers as
CSV.

Days are Europe/Bucharest days. The database groups turns by UTC hour (the one
expression that differs between SQLite and PostgreSQL, :func:`_hour`) and Python puts
each hour in its local day: Bucharest's offset is always a whole number of hours, so this
is exact across the changes to and from summer time, and a year is at most 8,784 groups.

What each figure is:

- conversations per day: by the day of their first turn; "cu funcționar" when a clerk
  took them over (a ``taken_over`` turn), else "doar asistentul".
- requests for a person: ``queued`` turns, and ``handoff_unavailable`` turns by their
  ``reason`` (``closed``: outside hours; ``no_clerk``; ``closing_time``: the hours ended
  while queued; others).
- queue wait: from a ``queued`` turn to the next ``taken_over`` of the same conversation
  (``left_queue`` or ``handoff_unavailable`` first: left without a clerk); mean, median
  and p90 by the nearest-rank method (the smallest wait with at least 90% of waits at
  or below it).
- conversation length: citizen messages per conversation, in buckets.
- fallback rate: citizen messages whose intent is ``nlu_fallback`` or ``out_of_scope``,
  of all citizen messages with an intent.
- redirects per department: bot and clerk messages carrying a ``redirect`` (the refusal
  of an infrastructure question, the clerk's one-click redirect), by department.
- forms asked about: citizen messages naming a catalog form (``form_ids``), per form.
- ratings: ``rating`` turns (livechat/ratings.py), per clerk and for the bot; low ones
  (1–2) listed with their conversation.
"""

import dataclasses
import datetime as dt
import functools
import json
import math
from collections import Counter, defaultdict
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive.errors import InvalidQuery
from archive.models import REDIRECT_WHERE, Conversation, Turn
from archive.turns import LOCAL_TZ, RESERVED_PREFIX

turns = Turn.__table__
conversations = Conversation.__table__

#: Longest date range the dashboard accepts (three years and a day of leap year).
MAX_DAYS = 1100
#: Intents that mean the bot did not know what to answer.
FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
RATING_EVENT = "rating"
LOW_SCORE = 2
LENGTH_BUCKETS: Tuple[Tuple[str, int, Optional[int]], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3–5", 3, 5),
    ("6–10", 6, 10),
    ("peste 10", 11, None),
)
#: The bot's and clerks' messages that carry a redirect. Written as a literal (not a bound
#: parameter) so that both databases use the partial index of migration 0006 on it.
REDIRECT_TURN = sa.text(REDIRECT_WHERE)
HANDOFF_REASONS = {
    "closed": "În afara programului",
    "no_clerk": "Niciun funcționar activ",
    "closing_time": "Programul s-a încheiat în coadă",
}
QUEUED_LABEL = "Trecute în coadă"
OTHER_REASON = "Alt motiv"


@dataclasses.dataclass(frozen=True)
class Period:
    """Local days ``since`` … ``until``, both included."""

    since: dt.date
    until: dt.date

    @classmethod
    def parse(cls, since: Any, until: Any) -> "Period":
        """A period from two ``AAAA-LL-ZZ`` texts, or :class:`InvalidQuery` in Romanian."""
        days = []
        for name, value in (("De la", since), ("Până la", until)):
            try:
                day = dt.date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                day = None
            if day is None or not 2000 <= day.year <= 2999:
                raise InvalidQuery(f"„{name}” trebuie să fie o dată AAAA-LL-ZZ între anii 2000 și 2999.")
            days.append(day)
        period = cls(days[0], days[1])
        if period.until < period.since:
            raise InvalidQuery("„Până la” este înaintea datei „De la”.")
        if len(period.days()) > MAX_DAYS:
            raise InvalidQuery(f"Alegeți cel mult {MAX_DAYS} de zile.")
        return period

    def days(self) -> List[dt.date]:
        count = (self.until - self.since).days + 1
        return [self.since + dt.timedelta(days=i) for i in range(count)]

    def bounds(self) -> Tuple[dt.datetime, dt.datetime]:
        """The period's start and end as naive UTC times, as the archive stores them."""
        start = dt.datetime.combine(self.since, dt.time(), LOCAL_TZ)
        end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
        return _naive_utc(start), _naive_utc(end)


@dataclasses.dataclass(frozen=True)
class Table:
    """One figure of the dashboard: what the chart draws and the CSV holds."""

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    #: a few figures worth a sentence (e.g. the median wait), already in the rows' units
    summary: Dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_json(self) -> Dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [list(row) for row in self.rows],
            "summary": dict(self.summary),
        }


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_day(moment: dt.datetime) -> dt.date:
    """The Europe/Bucharest day of a naive UTC time of the archive."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(LOCAL_TZ).date()


def _hour(conn: Connection, column: Any) -> Any:
    """The UTC hour of ``column``, in this database's SQL: text ``AAAA-LL-ZZ HH`` on
    SQLite, a truncated timestamp on PostgreSQL."""
    if conn.dialect.name == "sqlite":
        # SQLAlchemy stores "AAAA-LL-ZZ HH:MM:SS.ffffff": the first 13 characters are the
        # hour, and cutting them is several times cheaper than strftime on every row.
        return sa.func.substr(column, 1, 13)
    return sa.func.date_trunc("hour", column)


@functools.lru_cache(maxsize=32_768)
def _hour_day(hour: Any) -> dt.date:
    """The local day of a UTC hour of :func:`_hour` (cached: a year has 8,784 hours, and
    every figure asks for the same ones)."""
    if isinstance(hour, dt.datetime):
        return local_day(hour)
    # "AAAA-LL-ZZ HH" by slicing: strptime took most of a year's query time.
    return local_day(dt.datetime(int(hour[0:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13])))


def _in(column: Any, period: Period) -> Any:
    start, end = period.bounds()
    return sa.and_(column >= start, column < end)


def _not_reserved(column: Any) -> Any:
    # "_" is a LIKE wildcard: compare the first character instead.
    return sa.func.substr(column, 1, 1) != RESERVED_PREFIX


def _extra(text: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def conversations_per_day(conn: Connection, period: Period) -> Table:
    """Conversations by the local day they started, bot only or with a clerk."""
    start, _ = period.bounds()
    hour = _hour(conn, conversations.c.first_at)
    where = (_in(conversations.c.first_at, period), _not_reserved(conversations.c.conversation_id))
    # IN (subquery), not a join: SQLite then builds an index of the subquery's ids.
    taken = sa.select(turns.c.conversation_id).where(turns.c.event == "taken_over", turns.c.at >= start)
    all_query = sa.select(hour, sa.func.count()).where(*where).group_by(hour)
    taken_query = (
        sa.select(hour, sa.func.count())
        .where(*where, conversations.c.conversation_id.in_(taken.scalar_subquery()))
        .group_by(hour)
    )
    bot: Counter = Counter()
    clerk: Counter = Counter()
    for hour_text, total in conn.execute(all_query):
        bot[_hour_day(hour_text)] += int(total)
    for hour_text, with_clerk in conn.execute(taken_query):
        day = _hour_day(hour_text)
        clerk[day] += int(with_clerk)
        bot[day] -= int(with_clerk)
    rows = [(d.isoformat(), bot[d], clerk[d], bot[d] + clerk[d]) for d in period.days()]
    total_bot, total_clerk = sum(bot.values()), sum(clerk.values())
    return Table(
        "conversations",
        "Conversații pe zi",
        ("Ziua", "Doar asistentul", "Cu funcționar", "Total"),
        rows,
        {"doar_asistentul": total_bot, "cu_functionar": total_clerk, "total": total_bot + total_clerk},
    )


def handoff_requests(conn: Connection, period: Period) -> Table:
    """Requests for a person: queued, or not, and why."""
    counts: Counter = Counter()
    queued = conn.execute(
        sa.select(sa.func.count()).where(turns.c.event == "queued", _in(turns.c.at, period))
    ).scalar_one()
    counts[QUEUED_LABEL] = int(queued)
    query = sa.select(turns.c.extra).where(turns.c.event == "handoff_unavailable", _in(turns.c.at, period))
    for (extra,) in conn.execute(query):
        reason = str(_extra(extra).get("reason"))
        counts[HANDOFF_REASONS.get(reason, OTHER_REASON)] += 1
    labels = [QUEUED_LABEL, *HANDOFF_REASONS.values(), OTHER_REASON]
    rows = [(label, counts[label]) for label in labels]
    outside = counts[HANDOFF_REASONS["closed"]] + counts[HANDOFF_REASONS["no_clerk"]]
    return Table(
        "handoff",
        "Cereri de a vorbi cu un funcționar",
        ("Rezultat", "Cereri"),
        rows,
        {"total": sum(counts.values()), "in_afara_programului_sau_fara_functionar": outside},
    )


def nearest_rank(values: Sequence[float], fraction: float) -> Optional[float]:
    """The nearest-rank percentile of ``values`` (sorted or not); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def queue_waits(conn: Connection, period: Period) -> Tuple[List[float], int]:
    """Minutes from each ``queued`` in the period to its takeover, and how many left the
    queue without a clerk."""
    start, end = period.bounds()
    query = (
        sa.select(turns.c.conversation_id, turns.c.event, turns.c.at)
        .where(
            turns.c.event.in_(("queued", "taken_over", "left_queue", "handoff_unavailable")),
            turns.c.at >= start,
        )
        .order_by(turns.c.conversation_id, turns.c.seq)
    )
    waits: List[float] = []
    left = 0
    open_since: Dict[str, dt.datetime] = {}
    for conversation_id, event, at in conn.execute(query):
        if event == "queued":
            if at < end:
                open_since[conversation_id] = at
            continue
        since = open_since.pop(conversation_id, None)
        if since is None:
            continue
        if event == "taken_over":
            waits.append((at - since).total_seconds() / 60)
        else:
            left += 1
    return waits, left


def queue_wait(conn: Connection, period: Period) -> Table:
    """The queue's waits in minutes: mean, median, p90, and their spread."""
    waits, left = queue_waits(conn, period)
    buckets = (("sub 1 min", 0, 1), ("1–5 min", 1, 5), ("5–15 min", 5, 15), ("15–30 min", 15, 30))
    rows = [(label, sum(1 for w in waits if low <= w < high)) for label, low, high in buckets]
    rows.append(("peste 30 min", sum(1 for w in waits if w >= 30)))
    summary = {
        "preluate": len(waits),
        "plecate_din_coada": left,
        "medie_minute": round(sum(waits) / len(waits), 1) if waits else None,
        "mediana_minute": _round(nearest_rank(waits, 0.5)),
        "p90_minute": _round(nearest_rank(waits, 0.9)),
    }
    return Table(
        "queue_wait", "Așteptarea în coadă până la preluare", ("Așteptare", "Conversații"), rows, summary
    )


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)


def conversation_length(conn: Connection, period: Period) -> Table:
    """Conversations by how many messages the citizen wrote in the period."""
    per_conversation = (
        sa.select(sa.func.count().label("n"))
        .where(turns.c.speaker == "citizen", _in(turns.c.at, period))  # a citizen turn is a message
        .group_by(turns.c.conversation_id)
        .subquery()
    )
    query = sa.select(per_conversation.c.n, sa.func.count()).group_by(per_conversation.c.n)
    sizes = {int(n): int(count) for n, count in conn.execute(query)}
    rows = []
    for label, low, high in LENGTH_BUCKETS:
        rows.append((label, sum(c for n, c in sizes.items() if n >= low and (high is None or n <= high))))
    total = sum(sizes.values())
    mean = round(sum(n * c for n, c in sizes.items()) / total, 1) if total else None
    return Table(
        "length",
        "Lungimea conversațiilor (mesaje ale cetățeanului)",
        ("Mesaje", "Conversații"),
        rows,
        {"conversatii": total, "medie_mesaje": mean},
    )


def fallback_rate(conn: Connection, period: Period) -> Table:
    """Per day: citizen messages with an intent, those the bot did not know, the rate."""
    hour = _hour(conn, turns.c.at)
    fell_back = sa.case((turns.c.intent.in_(FALLBACK_INTENTS), 1), else_=0)
    query = (
        sa.select(hour, sa.func.count(), sa.func.sum(fell_back))
        .where(turns.c.speaker == "citizen", turns.c.intent.isnot(None), _in(turns.c.at, period))
        .group_by(hour)
    )
    classified: Counter = Counter()
    fallback: Counter = Counter()
    for hour_text, total, fell in conn.execute(query):
        day = _hour_day(hour_text)
        classified[day] += int(total)
        fallback[day] += int(fell or 0)
    rows = [
        (d.isoformat(), classified[d], fallback[d], _percent(fallback[d], classified[d]))
        for d in period.days()
    ]
    total, fell_total = sum(classified.values()), sum(fallback.values())
    return Table(
        "fallback",
        "Mesaje la care asistentul nu a știut răspunsul",
        ("Ziua", "Mesaje clasificate", "Neînțelese sau în afara procedurilor", "Rata (%)"),
        rows,
        {"mesaje": total, "neintelese": fell_total, "rata_procent": _percent(fell_total, total)},
    )


def _percent(part: int, whole: int) -> Optional[float]:
    return round(100 * part / whole, 1) if whole else None


def redirects(conn: Connection, period: Period) -> Table:
    """Messages that sent the citizen to another department, per department."""
    query = sa.select(turns.c.extra).where(REDIRECT_TURN, _in(turns.c.at, period))
    counts: Counter = Counter()
    for (extra,) in conn.execute(query):
        redirect = _extra(extra).get("redirect")
        if isinstance(redirect, dict):
            counts[str(redirect.get("department") or redirect.get("topic") or "necunoscut")] += 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Table(
        "redirects",
        "Redirecționări în afara competenței, pe departament",
        ("Departament", "Redirecționări"),
        rows,
        {"total": sum(counts.values())},
    )


def form_mentions(conn: Connection, period: Optional[Period] = None) -> Counter:
    """How many citizen messages named each catalog form (the whole archive without a period)."""
    query = (
        sa.select(turns.c.form_ids, sa.func.count())
        .where(turns.c.speaker == "citizen", turns.c.form_ids != "[]")
        .group_by(turns.c.form_ids)
    )
    if period is not None:
        query = query.where(_in(turns.c.at, period))
    counts: Counter = Counter()
    for form_ids, count in conn.execute(query):
        try:
            ids = json.loads(form_ids)
        except ValueError:
            continue
        for form_id in set(ids if isinstance(ids, list) else []):
            counts[str(form_id)] += int(count)
    return counts


def forms_asked(conn: Connection, period: Period, titles: Dict[str, str], limit: int = 15) -> Table:
    """The forms citizens asked about most (``titles``: catalog id -> title)."""
    counts = form_mentions(conn, period)
    rows = [
        (titles.get(form_id, form_id), form_id, count)
        for form_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    ]
    return Table(
        "forms",
        "Formularele despre care s-a întrebat cel mai des",
        ("Formular", "Cod", "Mesaje"),
        rows,
        {"formulare": len(counts)},
    )


@dataclasses.dataclass(frozen=True)
class Rating:
    conversation_id: str
    at: dt.datetime
    score: int
    clerk_id: Optional[str]
    text: str


def _ratings(conn: Connection, period: Period, low_only: bool = False) -> Iterable[Rating]:
    query = (
        sa.select(turns.c.conversation_id, turns.c.at, turns.c.clerk_id, turns.c.extra, turns.c.text)
        .where(turns.c.event == RATING_EVENT, _in(turns.c.at, period))
        .order_by(turns.c.at)
    )
    if low_only:
        query = query.where(turns.c.flags.like("%,rating_low,%"))
    for conversation_id, at, clerk_id, extra, text in conn.execute(query):
        score = _extra(extra).get("score")
        if isinstance(score, int) and 1 <= score <= 5:
            yield Rating(conversation_id, at, score, clerk_id, text)


def ratings(conn: Connection, period: Period, names: Dict[str, str]) -> Table:
    """Ratings for the bot and per clerk (``names``: username -> display name)."""
    scores: Dict[Optional[str], List[int]] = defaultdict(list)
    for rating in _ratings(conn, period):
        scores[rating.clerk_id].append(rating.score)
    rows = []
    for clerk_id in sorted(scores, key=lambda c: (c is not None, names.get(c or "", c or ""))):
        values = scores[clerk_id]
        who = "Asistentul virtual" if clerk_id is None else names.get(clerk_id, clerk_id)
        rows.append(
            (who, clerk_id or "", len(values), round(sum(values) / len(values), 2),
             *(values.count(score) for score in range(1, 6)))
        )  # fmt: skip
    return Table(
        "ratings",
        "Evaluările cetățenilor",
        ("Evaluat", "Utilizator", "Evaluări", "Media", "1", "2", "3", "4", "5"),
        rows,
        {"evaluari": sum(len(v) for v in scores.values())},
    )


def low_ratings(conn: Connection, period: Period, names: Dict[str, str], limit: int = 200) -> Table:
    """The conversations rated 1 or 2, newest first, with the rating's text."""
    found = sorted(_ratings(conn, period, low_only=True), key=lambda r: r.at, reverse=True)
    rows = [
        (
            r.at.replace(tzinfo=dt.timezone.utc).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
            r.conversation_id,
            r.score,
            "Asistentul virtual" if r.clerk_id is None else names.get(r.clerk_id, r.clerk_id),
            r.text,
        )
        for r in found[:limit]
    ]
    return Table(
        "low_ratings",
        "Conversații evaluate slab (1–2)",
        ("Ora", "Conversația", "Nota", "Evaluat", "Evaluarea"),
        rows,
        {"total": len(found)},
    )


def rated_clerks(conn: Connection, period: Period) -> Set[str]:
    """Usernames of the clerks rated in the period (for their display names)."""
    return {r.clerk_id for r in _ratings(conn, period) if r.clerk_id}
