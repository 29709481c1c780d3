"""The review of the questions the bot could not answer (issue 17), over the archive.

Candidates are citizen messages of the archive that

- fell back: intent ``nlu_fallback`` or ``out_of_scope``;
- had a low confidence: below :data:`LOW_CONFIDENCE` (any other intent);
- were followed by a request for a person: the citizen's next message has the intent
  ``request_human``.

They are **grouped by similarity** so that an admin labels a kind of question, not a
thousand messages: each text is folded (lower case, no diacritics: the archive's
``fold``), cut into words of three letters or more that are not in :data:`STOPWORDS`,
and put in the first group whose first message shares at least :data:`GROUP_JACCARD` of
its words with it (Jaccard: shared words / all words of the two); texts that fold the
same are one entry with a count. Groups are formed most frequent text first, over at
most :data:`MAX_GROUPED` distinct texts (the most recent), and from the newest
:data:`MAX_CANDIDATES` weak messages and :data:`MAX_REQUESTS` requests for a person of
the period, so the page stays fast on a year of data.

A label names the intent (one of the domain's) and optionally the catalog form of one
message (``review_labels``). :func:`export_yaml` writes the labelled messages as Rasa
training data (``data/nlu/reviewed.yml``), with personal data masked (:func:`mask`) and
without any message equal or near (Jaccard ≥ 0.8 of folded words, the quality gate's
rule) to a held-out message: those are left out and counted, so that the held-out sets
stay unseen by training.
"""

import dataclasses
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archive.errors import InvalidQuery
from archive.models import Turn
from archive.stats import FALLBACK_INTENTS, Period
from archive.turns import LOCAL_TZ, fold
from storage.types import UTCDateTime, metadata

turns = Turn.__table__

LOW_CONFIDENCE = 0.5
GROUP_JACCARD = 0.5
HELDOUT_JACCARD = 0.8
MAX_GROUPED = 3000
#: At most this many of the period's newest weak messages, and of its newest requests for
#: a person, are looked at: a year of data stays a request of a few seconds.
MAX_CANDIDATES = 20_000
MAX_REQUESTS = 5_000
REQUEST_HUMAN = "request_human"
REASONS = {
    "fallback": "neînțeles",
    "low_confidence": "încredere scăzută",
    "handoff_after": "urmat de cererea unui funcționar",
}
STOPWORDS = frozenset(
    "care cum unde cand cât cat este sunt sau pentru din despre vreau aveti aveți avem imi îmi "
    "mie voi noi dumneavoastra dumneavoastră buna bună ziua va vă nu da the and".split()
)

review_labels = sa.Table(
    "review_labels",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=False),
    sa.Column("intent", sa.String(255), nullable=False),
    sa.Column("form_id", sa.String(64), nullable=True),
    sa.Column("labelled_by", sa.String(64), nullable=False),
    sa.Column("labelled_at", UTCDateTime, nullable=False),
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Candidate:
    seq: int
    conversation_id: str
    at: dt.datetime
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    reason: str


@dataclasses.dataclass
class Group:
    """Messages alike: the first one names the group; ``count`` counts every message."""

    words: FrozenSet[str]
    messages: List[Candidate] = dataclasses.field(default_factory=list)
    count: int = 0

    def as_json(self, labels: Dict[int, Tuple[str, Optional[str]]]) -> Dict[str, Any]:
        reasons = Counter(m.reason for m in self.messages)
        return {
            "count": self.count,
            "reasons": {REASONS[r]: n for r, n in reasons.most_common()},
            "messages": [
                {
                    "seq": m.seq,
                    "conversation_id": m.conversation_id,
                    "time": m.at.replace(tzinfo=dt.timezone.utc)
                    .astimezone(LOCAL_TZ)
                    .strftime("%Y-%m-%d %H:%M"),
                    "text": m.text,
                    "intent": m.intent,
                    "confidence": m.confidence,
                    "reason": REASONS[m.reason],
                    "label": _label_json(labels.get(m.seq)),
                }
                for m in self.messages[:20]
            ],
        }


def _label_json(label: Optional[Tuple[str, Optional[str]]]) -> Optional[Dict[str, Any]]:
    return None if label is None else {"intent": label[0], "form_id": label[1]}


def words(text: str) -> FrozenSet[str]:
    """The folded words of ``text`` that carry meaning (see the module's docstring)."""
    return frozenset(w for w in re.findall(r"[a-z0-9]+", fold(text)) if len(w) >= 3 and w not in STOPWORDS)


def jaccard(a: FrozenSet[str], b: FrozenSet[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _message_columns() -> List[Any]:
    return [
        turns.c.seq,
        turns.c.conversation_id,
        turns.c.at,
        turns.c.text,
        turns.c.intent,
        turns.c.confidence,
    ]


def candidates(conn: Connection, period: Period, low_confidence: float = LOW_CONFIDENCE) -> List[Candidate]:
    """The period's citizen messages the bot could not answer well, newest first."""
    start, end = period.bounds()
    citizen = turns.c.speaker == "citizen"  # a citizen turn is always a message (archive/turns.py)
    in_period = sa.and_(turns.c.at >= start, turns.c.at < end)
    found: Dict[int, Candidate] = {}
    weak = (
        sa.select(*_message_columns())
        .where(
            citizen,
            in_period,
            sa.or_(
                turns.c.intent.in_(FALLBACK_INTENTS),
                sa.and_(turns.c.confidence < low_confidence, turns.c.intent != REQUEST_HUMAN),
            ),
        )
        .order_by(turns.c.at.desc())
        .limit(MAX_CANDIDATES)
    )
    for seq, cid, at, text, intent, confidence in conn.execute(weak):
        reason = "fallback" if intent in FALLBACK_INTENTS else "low_confidence"
        found[seq] = Candidate(seq, cid, at, text, intent, confidence, reason)
    asked = (
        sa.select(turns.c.conversation_id)
        .where(citizen, turns.c.intent == REQUEST_HUMAN, in_period)
        .order_by(turns.c.at.desc())
        .limit(MAX_REQUESTS)
        .scalar_subquery()
    )
    query = (
        sa.select(*_message_columns())
        .where(citizen, turns.c.conversation_id.in_(asked))
        .order_by(turns.c.conversation_id, turns.c.turn_no)
    )
    previous: Optional[Tuple[Any, ...]] = None
    for row in conn.execute(query):
        seq, cid, at, text, intent, confidence = row
        if (
            intent == REQUEST_HUMAN
            and previous is not None
            and previous[1] == cid
            and previous[4] != REQUEST_HUMAN
            and previous[0] not in found
            and start <= previous[2] < end
        ):
            p_seq, p_cid, p_at, p_text, p_intent, p_confidence = previous
            found[p_seq] = Candidate(p_seq, p_cid, p_at, p_text, p_intent, p_confidence, "handoff_after")
        previous = tuple(row)
    return sorted(found.values(), key=lambda c: c.at, reverse=True)


def group(found: Sequence[Candidate], limit: int = MAX_GROUPED) -> List[Group]:
    """``found`` grouped by similarity, largest group first."""
    by_text: Dict[str, List[Candidate]] = defaultdict(list)
    for candidate in found:
        key = " ".join(sorted(words(candidate.text))) or fold(candidate.text)
        if key in by_text or len(by_text) < limit:
            by_text[key].append(candidate)
    groups: List[Group] = []
    for _key, alike in sorted(by_text.items(), key=lambda item: -len(item[1])):
        text_words = words(alike[0].text)
        target = next((g for g in groups if jaccard(g.words, text_words) >= GROUP_JACCARD), None)
        if target is None:
            target = Group(text_words)
            groups.append(target)
        target.messages.extend(alike)
        target.count += len(alike)
    groups.sort(key=lambda g: -g.count)
    return groups


def labels(conn: Connection, seqs: Optional[Iterable[int]] = None) -> Dict[int, Tuple[str, Optional[str]]]:
    query = sa.select(review_labels.c.seq, review_labels.c.intent, review_labels.c.form_id)
    if seqs is not None:
        wanted = list(seqs)
        if not wanted:
            return {}
        query = query.where(review_labels.c.seq.in_(wanted))
    return {seq: (intent, form_id) for seq, intent, form_id in conn.execute(query)}


def label(
    conn: Connection,
    seq: Any,
    intent: Any,
    form_id: Any,
    username: str,
    intents: Set[str],
    forms: Set[str],
    now: dt.datetime,
) -> None:
    """Label the citizen message ``seq`` with ``intent`` (one of ``intents``) and
    optionally ``form_id`` (one of ``forms``); :class:`InvalidQuery` changes nothing."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidQuery("Mesajul ales nu este valid.")
    if not isinstance(intent, str) or intent not in intents:
        raise InvalidQuery("Alegeți o intenție din domeniul asistentului.")
    if form_id in ("", None):
        form_id = None
    elif not isinstance(form_id, str) or form_id not in forms:
        raise InvalidQuery("Formularul ales nu există în catalog.")
    row = conn.execute(sa.select(turns.c.speaker, turns.c.event).where(turns.c.seq == seq)).first()
    if row is None or (row.speaker, row.event) != ("citizen", "message"):
        raise InvalidQuery("Mesajul nu există în arhivă sau nu este al unui cetățean.")
    conn.execute(sa.delete(review_labels).where(review_labels.c.seq == seq))
    conn.execute(
        review_labels.insert().values(seq=seq, intent=intent, form_id=form_id, labelled_by=username,
                                      labelled_at=now)
    )  # fmt: skip


# -- export ---------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CNP = re.compile(r"(?<!\d)[1-9]\d{12}(?!\d)")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d .\-/()]{7,}\d(?!\d)")
_NAME_AFTER = re.compile(
    r"(?P<lead>\b(?:numele\s+meu\s+(?:este|e)|m[aă]\s+numesc|m[aă]\s+chea?m[aă])\s+)"
    r"(?P<name>[^\s,.;:!?0-9]+(?:\s+[^\s,.;:!?0-9]+){0,2})",
    re.IGNORECASE,
)
_NOT_NAME = frozenset("si și am vreau as aș din de la si sunt locuiesc va vă și nu cu pe".split())


def _mask_name(match: "re.Match[str]") -> str:
    name_words = match.group("name").split()
    kept: List[str] = []
    for word in name_words:
        if fold(word) in _NOT_NAME:
            break
        kept.append(word)
    rest = " ".join(name_words[len(kept) :])
    masked = match.group("lead") + ("<nume>" if kept else "")
    return masked + (" " + rest if rest and kept else rest)


def mask(text: str) -> str:
    """``text`` with e-mail addresses, CNPs, phone numbers and the name after "numele meu
    este" / "mă numesc" / "mă cheamă" replaced by ``<e-mail>``, ``<CNP>``, ``<telefon>``,
    ``<nume>``."""
    text = _EMAIL.sub("<e-mail>", text)
    text = _CNP.sub("<CNP>", text)
    text = _PHONE.sub(
        lambda m: "<telefon>" if sum(ch.isdigit() for ch in m.group()) >= 9 else m.group(), text
    )
    return _NAME_AFTER.sub(_mask_name, text)


@dataclasses.dataclass(frozen=True)
class Export:
    text: str
    exported: int
    near_heldout: int


def export_yaml(conn: Connection, heldout: Iterable[str]) -> Export:
    """The labelled messages as Rasa NLU training data (``data/nlu/reviewed.yml``), masked,
    without those equal or near to a ``heldout`` message."""
    heldout_words = [words(text) for text in heldout]
    heldout_folded = {fold(text).strip() for text in heldout}
    query = (
        sa.select(review_labels.c.intent, review_labels.c.form_id, turns.c.text)
        .select_from(review_labels.join(turns, turns.c.seq == review_labels.c.seq))
        .order_by(review_labels.c.intent, turns.c.seq)
    )
    by_intent: Dict[str, List[Tuple[str, Optional[str]]]] = defaultdict(list)
    seen: Set[str] = set()
    near = 0
    for intent, form_id, text in conn.execute(query):
        masked = " ".join(mask(text).split())
        folded = fold(masked).strip()
        if not masked or folded in seen:
            continue
        text_words = words(masked)
        if folded in heldout_folded or any(
            jaccard(text_words, h) >= HELDOUT_JACCARD for h in heldout_words if h
        ):
            near += 1
            continue
        seen.add(folded)
        by_intent[intent].append((masked, form_id))
    lines = [
        "# Messages citizens wrote that the bot could not answer, labelled by an admin in the",
        "# review (/console/audit/admin/), personal data masked. Generated by archive/review.py:",
        "# do not edit by hand; never copy these into tests/nlu/ (the held-out sets).",
        'version: "3.1"',
        "nlu:",
    ]
    count = 0
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples:")
        for text, form_id in by_intent[intent]:
            lines.append(f"  - text: {json.dumps(text, ensure_ascii=False)}")
            if form_id:
                lines.append("    metadata:")
                lines.append(f"      form: {form_id}")
            count += 1
    if count == 0:
        lines[-1] = "nlu: []"
    return Export("\n".join(lines) + "\n", count, near)
