"""What the admin dashboard counts (issue 17), read from the archive's turns.

Every figure comes from ``archive_turns`` and ``archive_conversations`` — what was said
and what happened, as the live chat archived it — never from the live chat's own tables,
so that the dashboard and the audit view tell the same story. Each query returns a
:class:`Table` (a title, column names, rows) that the page draws as a chart and offers as
CSV.

Days are Europe/Bucharest days. Most figures add up the daily pre-aggregate of
``archive/daily.py`` (call :func:`archive.daily.refresh` first: it counts the turns written
since the last call), so that a year is a few thousand small rows; the queue wait (its
median and p90 need every wait) and the list of low ratings read the turns themselves.
Turns are put in their local day by their UTC hour (:func:`archive.daily.hour_of`):
Bucharest's offset is always a whole number of hours, so this is exact across the changes
to and from summer time.

What each figure is:

- conversations per day: by the day of their first turn; "cu funcționar" when a clerk
  took them over (a ``taken_over`` turn, at any time), else "doar asistentul".
- requests for a person: ``queued`` turns, and ``handoff_unavailable`` turns by their
  ``reason`` (``closed``: outside hours; ``no_clerk``; ``closing_time``: the hours ended
  while queued; others).
- queue wait: from a ``queued`` turn to the next ``taken_over`` of the same conversation
  (``left_queue`` or ``handoff_unavailable`` first: left without a clerk); mean, median
  and p90 by the nearest-rank method (the smallest wait with at least 90% of waits at
  or below it).
- conversation length: the conversations that started in the period, by how many
  messages the citizen wrote in them, in buckets.
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
import json
import math
from collections import Counter, defaultdict
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive import daily
from archive.daily import FALLBACK_INTENTS, RATING_EVENT, local_day
from archive.errors import InvalidQuery
from archive.models import Turn
from archive.turns import LOCAL_TZ

turns = Turn.__table__
__all__ = ["FALLBACK_INTENTS", "RATING_EVENT", "local_day"]  # also read from here (archive/review.py)

#: Longest date range the dashboard accepts (three years and a day of leap year).
MAX_DAYS = 1100
LOW_SCORE = 2
LENGTH_BUCKETS: Tuple[Tuple[str, int, Optional[int]], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3–5", 3, 5),
    ("6–10", 6, 10),
    ("peste 10", 11, None),
)
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


def _in(column: Any, period: Period) -> Any:
    start, end = period.bounds()
    return sa.and_(column >= start, column < end)


def _extra(text: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _per_day(conn: Connection, metric: str, period: Period) -> Counter:
    counts: Counter = Counter()
    for day, _key, value in daily.values(conn, metric, period.since, period.until):
        counts[day] += value
    return counts


def _per_key(conn: Connection, metric: str, period: Period) -> Counter:
    counts: Counter = Counter()
    for _day, key, value in daily.values(conn, metric, period.since, period.until):
        counts[key] += value
    return counts


def conversations_per_day(conn: Connection, period: Period) -> Table:
    """Conversations by the local day they started, bot only or with a clerk."""
    started = _per_day(conn, "conversations", period)
    clerk = _per_day(conn, "taken", period)
    bot = Counter({day: started[day] - clerk[day] for day in started})
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
    counts[QUEUED_LABEL] = sum(_per_day(conn, "queued", period).values())
    for reason, count in _per_key(conn, "unavailable", period).items():
        counts[HANDOFF_REASONS.get(reason, OTHER_REASON)] += count
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
    """The conversations started in the period by how many messages the citizen wrote."""
    sizes = {int(n): count for n, count in _per_key(conn, "length", period).items() if count}
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
    classified = _per_day(conn, "classified", period)
    fallback = _per_day(conn, "fallback", period)
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
    counts = _per_key(conn, "redirect", period)
    rows = sorted(((k, v) for k, v in counts.items() if v), key=lambda item: (-item[1], item[0]))
    return Table(
        "redirects",
        "Redirecționări în afara competenței, pe departament",
        ("Departament", "Redirecționări"),
        rows,
        {"total": sum(counts.values())},
    )


def form_mentions(conn: Connection, period: Optional[Period] = None) -> Counter:
    """How many citizen messages named each catalog form: in ``period`` from the daily
    counts; without one, the whole archive from its turns (the facts report, which runs
    no refresh)."""
    if period is not None:
        return Counter({k: v for k, v in _per_key(conn, "form", period).items() if v})
    query = (
        sa.select(turns.c.form_ids, sa.func.count())
        .where(turns.c.speaker == "citizen", turns.c.form_ids != "[]")
        .group_by(turns.c.form_ids)
    )
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


def _low_ratings(conn: Connection, period: Period, limit: int) -> Iterable[Rating]:
    """The newest ``limit`` ratings of 1 or 2, newest first."""
    query = (
        sa.select(turns.c.conversation_id, turns.c.at, turns.c.clerk_id, turns.c.extra, turns.c.text)
        .where(turns.c.event == RATING_EVENT, _in(turns.c.at, period), turns.c.flags.like("%,rating_low,%"))
        .order_by(turns.c.at.desc())
    )
    found = 0
    for conversation_id, at, clerk_id, extra, text in conn.execute(query):
        score = _extra(extra).get("score")
        if isinstance(score, int) and 1 <= score <= LOW_SCORE:
            yield Rating(conversation_id, at, score, clerk_id, text)
            found += 1
            if found >= limit:
                return


def _scores(conn: Connection, period: Period) -> Dict[Optional[str], Counter]:
    """score counts per clerk (None: the bot), from the daily counts."""
    scores: Dict[Optional[str], Counter] = defaultdict(Counter)
    for key, count in _per_key(conn, "rating", period).items():
        score, _, clerk_id = key.partition(":")
        if count:
            scores[clerk_id or None][int(score)] += count
    return scores


def ratings(conn: Connection, period: Period, names: Dict[str, str]) -> Table:
    """Ratings for the bot and per clerk (``names``: username -> display name)."""
    scores = _scores(conn, period)
    rows = []
    for clerk_id in sorted(scores, key=lambda c: (c is not None, names.get(c or "", c or ""))):
        counts = scores[clerk_id]
        n = sum(counts.values())
        who = "Asistentul virtual" if clerk_id is None else names.get(clerk_id, clerk_id)
        rows.append(
            (who, clerk_id or "", n, round(sum(s * c for s, c in counts.items()) / n, 2),
             *(counts[score] for score in range(1, 6)))
        )  # fmt: skip
    return Table(
        "ratings",
        "Evaluările cetățenilor",
        ("Evaluat", "Utilizator", "Evaluări", "Media", "1", "2", "3", "4", "5"),
        rows,
        {"evaluari": sum(sum(c.values()) for c in scores.values())},
    )


def low_ratings(conn: Connection, period: Period, names: Dict[str, str], limit: int = 200) -> Table:
    """The conversations rated 1 or 2, newest first, with the rating's text."""
    total = sum(c for counts in _scores(conn, period).values() for s, c in counts.items() if s <= LOW_SCORE)
    rows = [
        (
            r.at.replace(tzinfo=dt.timezone.utc).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
            r.conversation_id,
            r.score,
            "Asistentul virtual" if r.clerk_id is None else names.get(r.clerk_id, r.clerk_id),
            r.text,
        )
        for r in _low_ratings(conn, period, limit)
    ]
    return Table(
        "low_ratings",
        "Conversații evaluate slab (1–2)",
        ("Ora", "Conversația", "Nota", "Evaluat", "Evaluarea"),
        rows,
        {"total": total},
    )


def rated_clerks(conn: Connection, period: Period) -> Set[str]:
    """Usernames of the clerks rated in the period (for their display names)."""
    return {clerk_id for clerk_id in _scores(conn, period) if clerk_id}
