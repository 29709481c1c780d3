"""What auditors do with the archive: search, read transcripts, export — all recorded.

The console (web/) authenticates the user with :class:`archive.users.Users`
and opens an :class:`AuditSession` for them; every method of the session writes who
did what, and when, to ``archive_access_log`` before returning its result. If that
record cannot be written, the result is not returned.

Search parameters may come straight from a web form (strings): they are checked here
and malformed ones raise :class:`~archive.errors.InvalidQuery` with a Romanian
message the console can show.
"""

import csv
import dataclasses
import io
import json
import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import sqlalchemy as sa

from archive.archive import Archive, stored_from_row, turns_t
from archive.errors import InvalidQuery, PermissionDenied, UnknownConversation, db_errors
from archive.models import AccessRecord
from archive.turns import (
    CLASSIFIED,
    LOCAL_TZ,
    RESERVED_PREFIX,
    SPEAKERS,
    SYSTEM_EVENTS,
    StoredTurn,
    canonical_json,
    fold,
    redirect_label,
)
from archive.users import UserAccount, Users
from storage import db

access_t = AccessRecord.__table__

MAX_LIMIT = 1000
MAX_EXPORT = 50_000
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CLERK = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: Every flag a turn can carry: added from events and intents (archive/turns.py), by the
#: bot (``out_of_scope``, ``limbaj_jignitor``) and the live chat (a clerk's close
#: reasons, ``flood``). A search for another flag is a typo and gets a 400.
FLAGS = ("insult", "limbaj_jignitor", "out_of_scope", "handoff", "spam", "altul", "flood")

SPEAKER_LABELS = {
    "citizen": "Cetățean",
    "bot": "Asistent virtual",
    "clerk": "Funcționar",
    "system": "Sistem",
}

CSV_COLUMNS = (
    "seq",
    "conversation_id",
    "turn_no",
    "local_time",
    "utc_time",
    "speaker",
    "event",
    "clerk_id",
    "clerk_name",
    "text",
    "intent",
    "confidence",
    "form_ids",
    "channel",
    "flags",
    "hash",
)

DateInput = Union[None, str, date, datetime]


@dataclasses.dataclass(frozen=True)
class SearchCriteria:
    """A checked search: times are aware UTC bounds, ``until`` exclusive."""

    since: Optional[datetime] = None
    until: Optional[datetime] = None
    clerk: Optional[str] = None
    text: Optional[str] = None
    intent: Optional[str] = None
    flags: Tuple[str, ...] = ()
    speaker: Optional[str] = None
    conversation_id: Optional[str] = None

    @classmethod
    def parse(
        cls,
        *,
        since: DateInput = None,
        until: DateInput = None,
        clerk: Optional[str] = None,
        text: Optional[str] = None,
        intent: Optional[str] = None,
        flags: Union[None, str, Sequence[str]] = None,
        speaker: Optional[str] = None,
        conversation_id: Optional[str] = None,
    ) -> "SearchCriteria":
        """Check raw parameters (as a web form sends them).

        Dates are ``AAAA-LL-ZZ`` (the whole day, Europe/Bucharest) or ISO date-times
        (Europe/Bucharest unless they carry an offset); ``until`` includes its day.
        """
        start = _parse_time(since, "de la", end_of_day=False)
        end = _parse_time(until, "până la", end_of_day=True)
        if start and end and start >= end:
            raise InvalidQuery("Data de început trebuie să fie înaintea datei de sfârșit.")
        clerk = _blank_to_none(clerk)
        if clerk is not None and not _CLERK.match(clerk.lower()):
            raise InvalidQuery(f"Funcționar necunoscut: „{clerk}”.")
        text = _blank_to_none(text)
        if text is not None and len(text) > 200:
            raise InvalidQuery("Textul căutat poate avea cel mult 200 de caractere.")
        intent = _blank_to_none(intent)
        if intent is not None and len(intent) > 255:
            raise InvalidQuery("Numele intenției este prea lung.")
        if isinstance(flags, str):
            flags = [f.strip() for f in flags.split(",")]
        clean_flags = []
        for flag in flags or ():
            if not flag:
                continue
            if not isinstance(flag, str) or flag not in FLAGS:
                raise InvalidQuery(
                    f"Marcaj necunoscut: „{str(flag)[:40]}”; marcajele sunt: {', '.join(FLAGS)}."
                )
            clean_flags.append(flag)
        speaker = _blank_to_none(speaker)
        if speaker is not None and speaker not in SPEAKERS:
            raise InvalidQuery(f"Vorbitor necunoscut: „{speaker}”.")
        return cls(
            since=start,
            until=end,
            clerk=None if clerk is None else clerk.lower(),
            text=text,
            intent=intent,
            flags=tuple(sorted(set(clean_flags))),
            speaker=speaker,
            conversation_id=_blank_to_none(conversation_id),
        )

    def as_dict(self) -> Dict[str, Any]:
        d = dataclasses.asdict(self)
        d["since"] = None if self.since is None else self.since.isoformat()
        d["until"] = None if self.until is None else self.until.isoformat()
        d["flags"] = list(self.flags)
        return {k: v for k, v in d.items() if v not in (None, [])}


def _blank_to_none(value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidQuery(f"Valoare nevalidă în căutare: {value!r}.")
    value = value.strip()
    return value or None


#: The years an audit search may name (the archive began in 2025; far dates overflow).
MIN_YEAR, MAX_YEAR = 2000, 2999


def _parse_time(value: DateInput, which: str, *, end_of_day: bool) -> Optional[datetime]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    day: Optional[date] = None
    moment: Optional[datetime] = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        raw = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                day = date.fromisoformat(raw)
            else:
                moment = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidQuery(
                f"Data „{raw}” ({which}) nu este validă; folosiți AAAA-LL-ZZ sau AAAA-LL-ZZTHH:MM."
            ) from None
    else:
        raise InvalidQuery(f"Data ({which}) nu este validă: {value!r}.")
    given = day if day is not None else moment
    assert given is not None
    shown = given.isoformat()
    if not MIN_YEAR <= given.year <= MAX_YEAR:
        # 0001-01-01 in Bucharest is before year 1 in UTC: OverflowError, a 500 in wave 1.
        raise InvalidQuery(f"Data „{shown}” ({which}) trebuie să fie între anii {MIN_YEAR} și {MAX_YEAR}.")
    if day is not None:
        if end_of_day:
            day += timedelta(days=1)
        moment = datetime.combine(day, time.min)
    assert moment is not None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(timezone.utc)


@dataclasses.dataclass(frozen=True)
class SearchResult:
    turns: List[StoredTurn]
    total: int
    criteria: SearchCriteria
    limit: int
    offset: int


@dataclasses.dataclass(frozen=True)
class TranscriptLine:
    seq: int
    turn_no: int
    time: str  # "dd.mm.yyyy HH:MM:SS", Europe/Bucharest
    speaker: str
    speaker_label: str  # "Cetățean", "Funcționar Ana Pop", ...
    event: str
    event_label: Optional[str]  # Romanian description of a system event
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    form_ids: Tuple[str, ...]
    flags: Tuple[str, ...]
    clerk_id: Optional[str]
    clerk_name: Optional[str]
    #: "Redirecționat către <department> (<e-mail>)" for a refused out-of-scope question.
    redirect_label: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Transcript:
    conversation_id: str
    lines: List[TranscriptLine]
    started: Optional[str]
    ended: Optional[str]
    clerks: List[str]  # display names, in order of appearance
    turns: List[StoredTurn]


@dataclasses.dataclass(frozen=True)
class AccessEntry:
    at: datetime
    username: str
    action: str
    target: str
    result_count: int


def local_time_text(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%d.%m.%Y %H:%M:%S")


class AuditSession:
    """The archive as one auditor or admin sees it; everything they do is recorded.

    Raises:
        PermissionDenied: the account is disabled or is a clerk's.
    """

    def __init__(self, archive: Archive, user: UserAccount) -> None:
        if not user.can_audit:
            raise PermissionDenied("Doar auditorii și administratorii au acces la arhivă.")
        self.archive = archive
        self.user = user
        self._users = Users(archive)

    # --- views ---------------------------------------------------------------------

    def search(self, *, limit: Any = 100, offset: Any = 0, **criteria: Any) -> SearchResult:
        """Turns matching every given criterion, oldest first (see SearchCriteria.parse)."""
        parsed = SearchCriteria.parse(**criteria)
        limit = _int_param(limit, "limit", 1, MAX_LIMIT)
        offset = _int_param(offset, "offset", 0, 10**9)
        turns, total = self._query(parsed, limit, offset)
        self._record("search", {**parsed.as_dict(), "limit": limit, "offset": offset}, len(turns))
        return SearchResult(turns, total, parsed, limit, offset)

    def transcript(self, conversation_id: str) -> Transcript:
        """One conversation with times (Europe/Bucharest) and clerk names."""
        transcript = self._transcript(conversation_id)
        self._record("transcript", {"conversation_id": conversation_id}, len(transcript.lines))
        return transcript

    def access_log(self, *, limit: Any = 100, username: Optional[str] = None) -> List[AccessEntry]:
        """The most recent views and exports (viewing the log is recorded too)."""
        limit = _int_param(limit, "limit", 1, MAX_LIMIT)
        query = sa.select(access_t).order_by(access_t.c.id.desc()).limit(limit)
        if username:
            query = query.where(access_t.c.username == username.strip().lower())
        with db_errors("read the access log"):
            with self.archive.engine.connect() as conn:
                rows = conn.execute(query).all()
        entries = [
            AccessEntry(r.at.replace(tzinfo=timezone.utc), r.username, r.action, r.target, r.result_count)
            for r in rows
        ]
        self._record("access_log", {"username": username, "limit": limit}, len(entries))
        return entries

    # --- exports -------------------------------------------------------------------

    def export_conversation(self, conversation_id: str, fmt: str) -> bytes:
        """One conversation as ``csv``, ``json`` or ``pdf``."""
        fmt = _format(fmt, ("csv", "json", "pdf"))
        transcript = self._transcript(conversation_id)
        if fmt == "pdf":
            from archive.pdf import transcript_pdf

            data = transcript_pdf(
                self._transcript(conversation_id, merge_intents=True),
                exported_by=self.user.display_name,
                exported_at=local_time_text(self.archive.clock()),
                head=self.archive.head(),
            )
        elif fmt == "csv":
            data = _csv(intents_on_messages(transcript.turns), self._clerk_names(transcript.turns))
        else:
            data = self._json({"conversation_id": conversation_id}, transcript.turns)
        self._record(f"export_{fmt}", {"conversation_id": conversation_id}, len(transcript.turns))
        return data

    def export_search(self, fmt: str, **criteria: Any) -> bytes:
        """Every turn matching a search (up to 50,000) as ``csv`` or ``json``.

        A search that matches nothing exports a file with no rows.
        """
        fmt = _format(fmt, ("csv", "json"))
        parsed = SearchCriteria.parse(**criteria)
        turns, total = self._query(parsed, MAX_EXPORT, 0)
        if total > MAX_EXPORT:
            raise InvalidQuery(
                f"Căutarea găsește {total} de ture; exportul are cel mult {MAX_EXPORT}. Restrângeți perioada."
            )
        if fmt == "csv":
            shown = intents_on_messages(turns, self._classified_of(turns))
            data = _csv(shown, self._clerk_names(turns))
        else:
            data = self._json({"search": parsed.as_dict()}, turns)
        self._record(f"export_{fmt}", {"search": parsed.as_dict()}, len(turns))
        return data

    # --- implementation ------------------------------------------------------------

    def _query(self, criteria: SearchCriteria, limit: int, offset: int) -> Tuple[List[StoredTurn], int]:
        t = turns_t
        conditions = [~t.c.conversation_id.startswith(RESERVED_PREFIX, autoescape=True)]
        if criteria.since is not None:
            conditions.append(t.c.at >= criteria.since.replace(tzinfo=None))
        if criteria.until is not None:
            conditions.append(t.c.at < criteria.until.replace(tzinfo=None))
        if criteria.clerk is not None:
            conditions.append(t.c.clerk_id == criteria.clerk)
        if criteria.text is not None:
            conditions.append(t.c.search_text.contains(fold(criteria.text), autoescape=True))
        if criteria.intent is not None:
            conditions.append(t.c.intent == criteria.intent)
        for flag in criteria.flags:
            conditions.append(t.c.flags.contains(f",{flag},", autoescape=True))
        if criteria.speaker is not None:
            conditions.append(t.c.speaker == criteria.speaker)
        if criteria.conversation_id is not None:
            conditions.append(t.c.conversation_id == criteria.conversation_id)
        where = sa.and_(*conditions)
        with db_errors("search the archive"):
            with self.archive.engine.connect() as conn:
                total = conn.execute(sa.select(sa.func.count()).select_from(t).where(where)).scalar()
                rows = conn.execute(
                    sa.select(t).where(where).order_by(t.c.seq).limit(limit).offset(offset)
                ).all()
        return [stored_from_row(r) for r in rows], int(total or 0)

    def _classified_of(self, turns: List[StoredTurn]) -> List[StoredTurn]:
        """The ``classified`` turns of the citizen messages among ``turns`` (a search by
        text finds the message, not its NLU result, which has no text)."""
        keys = sorted(
            f"{t.source_key}:{CLASSIFIED}" for t in turns if t.speaker == "citizen" and t.source_key
        )
        found: List[StoredTurn] = []
        with db_errors("read the NLU results of the exported messages"):
            with self.archive.engine.connect() as conn:
                for start in range(0, len(keys), 500):
                    rows = conn.execute(
                        sa.select(turns_t).where(
                            turns_t.c.source_key.in_(keys[start : start + 500]),
                            turns_t.c.event == CLASSIFIED,
                        )
                    ).all()
                    found.extend(stored_from_row(r) for r in rows)
        return found

    def _transcript(self, conversation_id: str, merge_intents: bool = False) -> Transcript:
        """The conversation as the view shows it; ``merge_intents``: as the
        exports show it, the NLU result on the citizen's line (see
        :func:`intents_on_messages`)."""
        if not isinstance(conversation_id, str) or conversation_id.startswith(RESERVED_PREFIX):
            raise UnknownConversation(str(conversation_id))
        turns = self.archive.conversation(conversation_id)
        names = self._clerk_names(turns)
        lines = []
        clerks: List[str] = []
        shown = intents_on_messages(turns) if merge_intents else turns
        for turn in shown:
            clerk_name = names.get(turn.clerk_id) if turn.clerk_id else None
            if clerk_name and clerk_name not in clerks:
                clerks.append(clerk_name)
            label = SPEAKER_LABELS[turn.speaker]
            if turn.speaker == "clerk":
                label = f"{label} {clerk_name}"
            event_label = None
            if turn.speaker == "system":
                event_label = SYSTEM_EVENTS.get(turn.event, turn.event)
                if turn.event == "classified" and turn.intent:
                    event_label = f"Intenție recunoscută: {turn.intent}"
                if clerk_name:
                    event_label = f"{event_label} ({clerk_name})"
            lines.append(
                TranscriptLine(
                    seq=turn.seq,
                    turn_no=turn.turn_no,
                    time=local_time_text(turn.at),
                    speaker=turn.speaker,
                    speaker_label=label,
                    event=turn.event,
                    event_label=event_label,
                    text=turn.text,
                    intent=turn.intent,
                    confidence=turn.confidence,
                    form_ids=turn.form_ids,
                    flags=turn.flags,
                    clerk_id=turn.clerk_id,
                    clerk_name=clerk_name,
                    redirect_label=redirect_label(turn),
                )
            )
        return Transcript(
            conversation_id=conversation_id,
            lines=lines,
            started=lines[0].time if lines else None,
            ended=lines[-1].time if lines else None,
            clerks=clerks,
            turns=turns,
        )

    def _clerk_names(self, turns: Iterable[StoredTurn]) -> Dict[str, str]:
        ids = {t.clerk_id for t in turns if t.clerk_id}
        names = self._users.display_names(ids)
        # A clerk without an account (or renamed) is still shown by username.
        return {clerk: names.get(clerk, clerk) for clerk in ids}

    def _json(self, subject: Dict[str, Any], turns: List[StoredTurn]) -> bytes:
        seq, head_hash = self.archive.head()
        document = {
            **subject,
            "exported_by": self.user.username,
            "exported_at": self.archive.clock().astimezone(timezone.utc).isoformat(),
            "chain_head": {"seq": seq, "hash": head_hash},
            "turns": [t.as_dict() for t in turns],
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")

    def _record(self, action: str, target: Dict[str, Any], count: int) -> None:
        at = self.archive.clock().astimezone(timezone.utc).replace(tzinfo=None)
        with db_errors(f"record {action} by {self.user.username}"):
            with db.write_transaction(self.archive.engine) as conn:
                conn.execute(
                    access_t.insert().values(
                        at=at,
                        username=self.user.username,
                        action=action,
                        target=canonical_json({k: v for k, v in target.items() if v is not None}),
                        result_count=count,
                    )
                )


def _int_param(value: Any, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidQuery(f"Parametrul {name} trebuie să fie un număr întreg.") from None
    if isinstance(value, bool) or isinstance(value, float) or not low <= number <= high:
        raise InvalidQuery(f"Parametrul {name} trebuie să fie între {low} și {high}.")
    return number


def _format(fmt: Any, allowed: Sequence[str]) -> str:
    if fmt not in allowed:
        raise InvalidQuery(f"Format necunoscut: „{fmt}”; se poate exporta ca {', '.join(allowed)}.")
    return fmt


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will show as text, never run as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def intents_on_messages(
    turns: List[StoredTurn], more_classified: Iterable[StoredTurn] = ()
) -> List[StoredTurn]:
    """``turns`` for a reader: the NLU result of a citizen's message, archived as a
    ``classified`` system turn of its own (the website channel archives the message before
    Rasa reads it), is put on the message's row, and the ``classified`` turn is left out
    when its message is among ``turns`` (the JSON export keeps every turn, for the chain).
    ``more_classified``: results of messages in ``turns`` that are not among them."""
    classified = {
        turn.extra["message_seq"]: turn
        for turn in [*more_classified, *turns]
        if turn.event == CLASSIFIED and turn.extra and isinstance(turn.extra.get("message_seq"), int)
    }
    seqs = {turn.seq for turn in turns}
    shown = []
    for turn in turns:
        if turn.event == CLASSIFIED and turn.extra and turn.extra.get("message_seq") in seqs:
            continue
        result = classified.get(turn.seq)
        if result is not None and turn.speaker == "citizen":
            turn = dataclasses.replace(
                turn,
                intent=turn.intent or result.intent,
                confidence=turn.confidence if turn.intent else result.confidence,
                form_ids=turn.form_ids or result.form_ids,
            )
        shown.append(turn)
    return shown


def _csv(turns: List[StoredTurn], clerk_names: Dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for t in turns:
        writer.writerow(
            [
                t.seq,
                _cell(t.conversation_id),
                t.turn_no,
                local_time_text(t.at),
                t.at.isoformat(),
                t.speaker,
                t.event,
                _cell(t.clerk_id),
                _cell(clerk_names.get(t.clerk_id) if t.clerk_id else None),
                _cell(t.text),
                _cell(t.intent),
                "" if t.confidence is None else f"{t.confidence:.4f}",
                ";".join(t.form_ids),
                _cell(t.channel),
                ";".join(t.flags),
                t.hash,
            ]
        )
    # UTF-8 with BOM: spreadsheet programs then show ă, î, ș, ț correctly.
    return out.getvalue().encode("utf-8-sig")
