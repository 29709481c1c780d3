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
without any message equal or near (Jaccard ≥ 0.8 of folded words, by this module's
words and by the quality gate's) to a held-out message: those are left out and counted,
so that the held-out sets stay unseen by training. ``python -m archive review export``
writes the same file and merges it with the one already in ``data/nlu/``.
"""

import dataclasses
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Connection

from archive.errors import InvalidQuery
from archive.models import Turn
from archive.stats import FALLBACK_INTENTS, Period
from archive.turns import LOCAL_TZ, fold
from nlu_ro.normalize import fold as nlu_fold
from nlu_ro.phrase_matcher import words_of
from storage.types import UTCDateTime, metadata

turns = Turn.__table__

#: The held-out sets of the NLU quality gate: the export never copies them into data/.
HELDOUT_DIR = Path(__file__).resolve().parents[1] / "tests" / "nlu"
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
    #: examples in the file written
    exported: int
    #: labelled messages (or examples of the file merged with) left out for being equal or
    #: near to a held-out message
    near_heldout: int
    #: examples kept from the file merged with, and those of it relabelled in the archive
    kept: int = 0
    relabelled: int = 0


#: One example: intent, text (masked), catalog form or None.
Example = Tuple[str, str, Optional[str]]

HEADER = [
    "# Messages citizens wrote that the bot could not answer, labelled by an admin in the",
    "# review (/console/audit/admin/), personal data masked. Generated by archive/review.py",
    "# (python -m archive review export): do not edit by hand; never copy these into",
    "# tests/nlu/ (the held-out sets).",
]


def heldout_texts(folder: Path = HELDOUT_DIR) -> List[str]:
    """Every message of the held-out sets (``- text`` lines of ``tests/nlu/*.yml``)."""
    texts: List[str] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) or []:
            examples = block.get("examples", "") if isinstance(block, dict) else ""
            if isinstance(examples, str):
                texts.extend(
                    plain_text(line.strip()[2:])
                    for line in examples.splitlines()
                    if line.strip().startswith("- ")
                )
    return texts


_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


def plain_text(example: str) -> str:
    """An example of Rasa NLU data as a citizen types it: ``[CU]{"entity": …}`` -> ``CU``."""
    return _ANNOTATION.sub(r"\1", example)


def message_key(text: str) -> str:
    """What makes two messages the same to the classifier (the NLU quality gate's rule,
    tests/nlu/quality_gate.py): case, diacritics, spaces, end punctuation."""
    return " ".join(nlu_fold(text).split()).strip(" .?!")


def gate_words(text: str) -> FrozenSet[str]:
    """Every folded word of ``text``, as the quality gate compares near-copies."""
    return frozenset(word.text for word in words_of(text))


class HeldoutCheck:
    """Whether a text is a held-out message or near one: by the review's words (Jaccard ≥
    :data:`HELDOUT_JACCARD`) or by the quality gate's (the same threshold over every
    word, or equal after folding), so that ``make test``'s copy check never finds one."""

    def __init__(self, heldout: Iterable[str]) -> None:
        texts = list(heldout)
        self.keys = {message_key(t) for t in texts} | {fold(t).strip() for t in texts}
        self.review_words = [w for w in (words(t) for t in texts) if w]
        self.gate_words = [w for w in (gate_words(t) for t in texts) if w]

    def near(self, text: str) -> bool:
        if message_key(text) in self.keys or fold(text).strip() in self.keys:
            return True
        mine, all_mine = words(text), gate_words(text)
        return any(jaccard(mine, h) >= HELDOUT_JACCARD for h in self.review_words) or any(
            jaccard(all_mine, h) >= HELDOUT_JACCARD for h in self.gate_words
        )


def labelled_examples(conn: Connection) -> List[Example]:
    """Every labelled message of the archive, masked, oldest first."""
    query = (
        sa.select(review_labels.c.intent, review_labels.c.form_id, turns.c.text)
        .select_from(review_labels.join(turns, turns.c.seq == review_labels.c.seq))
        .order_by(turns.c.seq)
    )
    found = []
    for intent, form_id, text in conn.execute(query):
        masked = " ".join(mask(text).split())
        if masked:
            found.append((intent, masked, form_id))
    return found


def parse_reviewed(text: str, source: str = "the file") -> List[Example]:
    """The examples of an existing ``reviewed.yml`` (Rasa NLU data: ``examples`` as a
    ``- text`` block or as a list of ``text``/``metadata.form``); :class:`InvalidQuery`
    naming what is wrong when it is not such a file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidQuery(f"{source} is not YAML: {error}") from None
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("nlu", []), list):
        raise InvalidQuery(f"{source} is not Rasa NLU data (no 'nlu:' list)")
    found: List[Example] = []
    for number, block in enumerate(data.get("nlu") or [], start=1):
        intent = block.get("intent") if isinstance(block, dict) else None
        if not isinstance(intent, str) or not intent:
            raise InvalidQuery(f"{source}: item {number} of 'nlu:' has no intent")
        examples = block.get("examples")
        if isinstance(examples, str):
            for line in examples.splitlines():
                if line.strip().startswith("- "):
                    found.append((intent, line.strip()[2:].strip(), None))
        elif isinstance(examples, list):
            for example in examples:
                if not isinstance(example, dict) or not isinstance(example.get("text"), str):
                    raise InvalidQuery(f"{source}: an example of intent {intent} has no text")
                metadata = example.get("metadata")
                form = metadata.get("form") if isinstance(metadata, dict) else None
                found.append((intent, example["text"], str(form) if form else None))
        else:
            raise InvalidQuery(f"{source}: intent {intent} has no examples")
    return found


def render(examples: Sequence[Example]) -> str:
    """Rasa NLU training data (version 3.1) of ``examples``, intents in alphabetical order."""
    by_intent: Dict[str, List[Tuple[str, Optional[str]]]] = defaultdict(list)
    for intent, text, form_id in examples:
        by_intent[intent].append((text, form_id))
    lines = [*HEADER, 'version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples:")
        for text, form_id in by_intent[intent]:
            lines.append(f"  - text: {json.dumps(text, ensure_ascii=False)}")
            if form_id:
                lines.append("    metadata:")
                lines.append(f"      form: {form_id}")
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def export_yaml(conn: Connection, heldout: Iterable[str], existing: Sequence[Example] = ()) -> Export:
    """The labelled messages as Rasa NLU training data (``data/nlu/reviewed.yml``), masked,
    without those equal or near to a ``heldout`` message; merged after the ``existing``
    examples of that file, each text once (the archive's label wins)."""
    check = HeldoutCheck(heldout)
    new: Dict[str, Example] = {}
    for example in labelled_examples(conn):
        new[message_key(example[1])] = example  # a text labelled twice: the newest label
    merged: Dict[str, Tuple[Example, bool]] = {}  # text -> (example, from the existing file)
    relabelled = 0
    for example in existing:
        key = message_key(example[1])
        if key in new:
            relabelled += new[key] != example
        else:
            merged.setdefault(key, (example, True))
    for key, example in new.items():
        merged.setdefault(key, (example, False))
    near = kept = 0
    out: List[Example] = []
    for example, from_file in merged.values():
        if check.near(example[1]):
            near += 1
            continue
        out.append(example)
        kept += from_file
    return Export(render(out), len(out), near, kept, relabelled)
