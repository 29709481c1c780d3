"""What a turn is: the input a writer hands in, the record stored, and its hash.

Nothing here touches the database, so the rules are testable on their own.
"""

import dataclasses
import functools
import hashlib
import json
import logging
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from archive.errors import InvalidTurn

logger = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Europe/Bucharest")

SPEAKERS = ("citizen", "bot", "clerk", "system")

#: ``event`` of a citizen, bot or clerk message.
MESSAGE = "message"

#: System event under which the tracker store records the NLU result of a citizen message
#: that the channel had already archived (the archive is append-only, so it cannot be
#: added to the stored turn); ``extra.message_seq`` is the message's seq.
CLASSIFIED = "classified"

#: The system events of a conversation (``speaker="system"``). Other snake_case names
#: are accepted too; these are the ones the audit view knows how to label.
SYSTEM_EVENTS = {
    "handoff_requested": "Cetățeanul a cerut să vorbească cu un funcționar",
    "handoff_unavailable": "Niciun funcționar disponibil (în afara programului sau absent)",
    "queued": "Conversația a intrat în coada de așteptare",
    "taken_over": "Conversația a fost preluată de un funcționar",
    "transferred": "Conversația a fost transferată altui funcționar",
    "released": "Funcționarul a predat conversația asistentului",
    "closed": "Conversația a fost închisă",
    "out_of_scope_redirect": "Întrebare în afara competenței: redirecționat către departamentul responsabil",
    "insult_warning": "Avertisment pentru limbaj jignitor",
    "internal_note": "Notă internă a funcționarului (cetățeanul nu a văzut-o)",
    "flagged": "Conversație marcată pentru verificare",
    "purged": "Turele mai vechi decât perioada de păstrare au fost șterse",
    "form_filled": "Cererea a fost completată în chat și sigilată (amprenta SHA-256 în detalii)",
    "filing_registered": "Cerere depusă online și înregistrată (numărul și amprentele SHA-256 în detalii)",
    "filing_assigned": "Cererea depusă a fost repartizată unui funcționar",
    "filing_waiting_citizen": "Departamentul a cerut cetățeanului un document lipsă",
    "filing_citizen_replied": "Cetățeanul a trimis documentul cerut",
    "filing_resolved": "Cererea depusă a fost soluționată",
    "filing_rejected": "Cererea depusă a fost respinsă",
    "rating": "Cetățeanul a evaluat conversația (nota de la 1 la 5, în detalii)",
}

#: Flags added automatically from a turn's event or intent (see README, "Flags").
EVENT_FLAGS = {
    "insult_warning": ("insult",),
    "out_of_scope_redirect": ("out_of_scope",),
    "handoff_requested": ("handoff",),
    "queued": ("handoff",),
    "taken_over": ("handoff",),
    "transferred": ("handoff",),
}
INTENT_FLAGS = {
    "insult": ("insult",),
    "out_of_scope_infrastructure": ("out_of_scope",),
    "request_human": ("handoff",),
}

#: Key of the metadata a custom action adds to a bot message for the archive only:
#: ``dispatcher.utter_message(text=..., archive={"flags": [...], "redirect": {...}})``.
#: Rasa keeps it in the ``BotUttered`` metadata and passes it to the output channel;
#: see :func:`bot_archive_metadata`.
BOT_ARCHIVE_METADATA = "archive"
#: The ``extra`` entry of a message that sent the citizen to another department: the
#: bot's refusal (actions/scope.py: ``{"topic": department id, "department": name,
#: "email", "mixed": bool}``) and the clerk's one-click redirect (``topic``,
#: ``department``, ``hint_id``). The clerk's hint (event ``out_of_scope_redirect``) has
#: ``topic``, ``department``, ``email`` in ``extra`` itself.
REDIRECT = "redirect"
_ARCHIVE_MAX_ENTRIES = 10
_ARCHIVE_MAX_STRING = 200


#: Conversation ids starting with "_" are the archive's own (e.g. purge records).
RESERVED_PREFIX = "_"
ARCHIVE_CONVERSATION = "_archive"

MAX_TEXT = 20_000
MAX_ID = 255
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FORM_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_CLERK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Hash format version: bump (and keep the old one readable) if the fields ever change.
CHAIN_VERSION = 1


@dataclasses.dataclass(frozen=True)
class TurnIn:
    """A turn to archive, as a channel, the tracker store or the console hands it in.

    Args:
        conversation_id: Rasa's sender id of the conversation.
        speaker: ``citizen``, ``bot``, ``clerk`` or ``system``.
        text: what was said; for system events a short description (may be empty).
        event: ``message`` for citizen/bot/clerk turns; for system turns the event name
            (``handoff_requested``, ``queued``, ``taken_over``, ... see ``SYSTEM_EVENTS``).
        clerk_id: username of the clerk; required when ``speaker == "clerk"``.
        intent, confidence: NLU result of a citizen message.
        form_ids: forms_catalog ids shown or discussed in this turn.
        channel: input channel name (``website``, ``rest``, ...).
        flags: extra audit flags (``insult``, ``out_of_scope``, ``handoff`` are added
            automatically from the event or intent).
        source_key: the sender's id of this turn (e.g. Rasa's ``message_id``); a second
            append with the same key in the same conversation returns the stored turn
            instead of storing it twice, so a sender can retry safely.
        extra: any JSON data also shown (buttons, attachment, event details).
    """

    conversation_id: str
    speaker: str
    text: str = ""
    event: str = MESSAGE
    clerk_id: Optional[str] = None
    intent: Optional[str] = None
    confidence: Optional[float] = None
    form_ids: Sequence[str] = ()
    channel: Optional[str] = None
    flags: Sequence[str] = ()
    source_key: Optional[str] = None
    extra: Optional[Mapping[str, Any]] = None


@dataclasses.dataclass(frozen=True)
class StoredTurn:
    """A turn as stored: the input plus its place in the archive and its hash."""

    seq: int
    conversation_id: str
    turn_no: int
    at: datetime  # aware, UTC
    speaker: str
    event: str
    text: str
    clerk_id: Optional[str]
    intent: Optional[str]
    confidence: Optional[float]
    form_ids: Tuple[str, ...]
    channel: Optional[str]
    flags: Tuple[str, ...]
    source_key: Optional[str]
    extra: Optional[Dict[str, Any]]
    conv_prev_seq: Optional[int]
    prev_hash: str
    hash: str
    #: True when ``append`` found this turn already stored under its ``source_key``.
    duplicate: bool = False

    @property
    def local_time(self) -> datetime:
        """The time in Europe/Bucharest, as citizens, clerks and auditors read it."""
        return self.at.astimezone(LOCAL_TZ)

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready form (times as ISO 8601, UTC and local)."""
        d = dataclasses.asdict(self)
        d.pop("duplicate")
        d["at"] = self.at.isoformat()
        d["local_time"] = self.local_time.isoformat()
        d["form_ids"] = list(self.form_ids)
        d["flags"] = list(self.flags)
        return d


@dataclasses.dataclass(frozen=True)
class CleanTurn:
    """A validated ``TurnIn`` in the exact form that is stored and hashed."""

    conversation_id: str
    speaker: str
    event: str
    text: str
    clerk_id: Optional[str]
    intent: Optional[str]
    confidence: Optional[float]
    form_ids: Tuple[str, ...]
    channel: Optional[str]
    flags: Tuple[str, ...]
    source_key: Optional[str]
    extra_json: Optional[str]


def clean(turn: TurnIn, *, internal: bool = False) -> CleanTurn:
    """Validate ``turn`` and put it in canonical form, or raise :class:`InvalidTurn`."""
    if not isinstance(turn, TurnIn):
        raise InvalidTurn(f"expected a TurnIn, got {type(turn).__name__}")
    conversation_id = _identifier("conversation_id", turn.conversation_id, MAX_ID)
    if conversation_id.startswith(RESERVED_PREFIX) and not internal:
        raise InvalidTurn(
            f"conversation ids starting with {RESERVED_PREFIX!r} are reserved for the "
            f"archive itself: {conversation_id!r}"
        )
    if turn.speaker not in SPEAKERS:
        raise InvalidTurn(f"speaker must be one of {', '.join(SPEAKERS)}: {turn.speaker!r}")
    event = turn.event
    if turn.speaker == "system":
        if not isinstance(event, str) or not _NAME.match(event) or event == MESSAGE:
            raise InvalidTurn(
                f"a system turn needs an event name such as {', '.join(sorted(SYSTEM_EVENTS))}: {event!r}"
            )
    elif event != MESSAGE:
        raise InvalidTurn(f"a {turn.speaker} turn has event {MESSAGE!r}, not {event!r}")

    text = turn.text if turn.text is not None else ""
    if not isinstance(text, str):
        raise InvalidTurn(f"text must be a string, got {type(text).__name__}")
    if "\x00" in text:
        raise InvalidTurn("text contains a NUL character")
    if len(text) > MAX_TEXT:
        raise InvalidTurn(f"text is {len(text)} characters long; the limit is {MAX_TEXT}")
    if event == MESSAGE and not text.strip():
        # A bot turn may be buttons or an image only; a citizen's button click has
        # an intent and a payload. Anything else empty is a bug upstream.
        if not (turn.speaker == "bot" and turn.extra) and not (turn.speaker == "citizen" and turn.intent):
            raise InvalidTurn(f"empty {turn.speaker} message")

    clerk_id = turn.clerk_id
    if clerk_id is not None:
        if not isinstance(clerk_id, str) or not _CLERK_ID.match(clerk_id):
            raise InvalidTurn(f"clerk_id must be a username (a-z, 0-9, . _ -): {clerk_id!r}")
    if turn.speaker == "clerk" and not clerk_id:
        raise InvalidTurn("a clerk turn needs the clerk_id of the clerk who wrote it")

    intent = turn.intent
    if intent is not None and (not isinstance(intent, str) or not intent or len(intent) > 255):
        raise InvalidTurn(f"intent must be a non-empty name: {intent!r}")
    confidence = turn.confidence
    if confidence is not None:
        try:
            confidence = round(float(confidence), 6)
        except (TypeError, ValueError) as e:
            raise InvalidTurn(f"confidence must be a number: {turn.confidence!r}") from e
        if not 0.0 <= confidence <= 1.0:
            raise InvalidTurn(f"confidence must be between 0 and 1: {turn.confidence!r}")

    form_ids = _names("form_ids", turn.form_ids, _FORM_ID)
    flags = set(_names("flags", turn.flags, _NAME))
    flags.update(EVENT_FLAGS.get(event, ()))
    flags.update(INTENT_FLAGS.get(intent or "", ()))
    channel = turn.channel
    if channel is not None:
        channel = _identifier("channel", channel, 64)
    source_key = turn.source_key
    if source_key is not None:
        source_key = _identifier("source_key", source_key, MAX_ID)

    extra_json = None
    if turn.extra is not None:
        if not isinstance(turn.extra, Mapping):
            raise InvalidTurn("extra must be a mapping (JSON object)")
        try:
            extra_json = canonical_json(dict(turn.extra))
        except (TypeError, ValueError) as e:
            raise InvalidTurn(f"extra is not JSON data: {e}") from e
        if "\\u0000" in extra_json:
            raise InvalidTurn("extra contains a NUL character")

    return CleanTurn(
        conversation_id=conversation_id,
        speaker=turn.speaker,
        event=event,
        text=text,
        clerk_id=clerk_id,
        intent=intent,
        confidence=confidence,
        form_ids=tuple(form_ids),
        channel=channel,
        flags=tuple(sorted(flags)),
        source_key=source_key,
        extra_json=extra_json,
    )


def _identifier(name: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidTurn(f"{name} must be a non-empty string: {value!r}")
    if len(value) > limit:
        raise InvalidTurn(f"{name} is longer than {limit} characters")
    if _CONTROL.search(value):
        raise InvalidTurn(f"{name} contains control characters: {value!r}")
    return value


def _names(what: str, values: Any, pattern: "re.Pattern[str]") -> List[str]:
    if isinstance(values, str):
        raise InvalidTurn(f"{what} must be a list of names, not a string: {values!r}")
    out: List[str] = []
    for value in values or ():
        if not isinstance(value, str) or not pattern.match(value):
            raise InvalidTurn(f"{what}: not a valid name: {value!r}")
        if value not in out:
            out.append(value)
    return out


def canonical_json(value: Any) -> str:
    """One fixed serialisation: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def format_time(at: datetime) -> str:
    """UTC time as hashed: ISO 8601 with microseconds, no offset (stored naive UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def turn_hash(
    prev_hash: str,
    *,
    seq: int,
    conversation_id: str,
    turn_no: int,
    conv_prev_seq: Optional[int],
    at: datetime,
    speaker: str,
    event: str,
    text: str,
    clerk_id: Optional[str],
    intent: Optional[str],
    confidence: Optional[float],
    form_ids: Sequence[str],
    channel: Optional[str],
    flags: Sequence[str],
    source_key: Optional[str],
    extra_json: Optional[str],
) -> str:
    """SHA-256 of the previous hash and every stored field of the turn."""
    payload = canonical_json(
        [
            CHAIN_VERSION,
            seq,
            conversation_id,
            turn_no,
            conv_prev_seq,
            format_time(at),
            speaker,
            event,
            text,
            clerk_id,
            intent,
            None if confidence is None else f"{confidence:.6f}",
            list(form_ids),
            channel,
            list(flags),
            source_key,
            extra_json,
        ]
    )
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode("utf-8")).hexdigest()


def encode_flags(flags: Sequence[str]) -> str:
    return "," + ",".join(flags) + "," if flags else ","


def decode_flags(stored: str) -> Tuple[str, ...]:
    return tuple(f for f in (stored or "").split(",") if f)


_FOLD = str.maketrans({"ş": "s", "ţ": "t", "Ş": "s", "Ţ": "t"})


def fold(text: str) -> str:
    """Lower case without diacritics: what search compares ("ședință" → "sedinta")."""
    if text.isascii():  # nothing to decompose; casefold is lower for ASCII
        return text.lower()
    return _fold_unicode(text)


@functools.lru_cache(maxsize=4096)
def _fold_unicode(text: str) -> str:
    # Cached: the bot's answers come back word for word, turn after turn.
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def bot_archive_metadata(
    metadata: Any, reserved: Sequence[str] = (), conversation_id: str = "?"
) -> Tuple[Tuple[str, ...], Dict[str, Any]]:
    """The audit flags and ``extra`` entries an action asked to archive with a bot message.

    ``metadata`` is the ``archive`` value of the message (:data:`BOT_ARCHIVE_METADATA`):
    ``{"flags": [snake_case names], <name>: short string | bool | {<name>: short
    string | bool}}``. It is data from another process, so only that shape is kept:
    a malformed flag or entry, or an entry named like one of the ``reserved`` keys
    the channel fills itself (buttons, ...), is dropped with a warning and the rest kept.

    Returns:
        ``(flags, extra)``; ``((), {})`` when ``metadata`` is None.
    """
    if metadata is None:
        return (), {}
    if not isinstance(metadata, Mapping):
        logger.warning(
            "Conversation %r: archive metadata of a bot message ignored: not an object (%s)",
            conversation_id, type(metadata).__name__,
        )  # fmt: skip
        return (), {}
    flags: List[str] = []
    raw_flags = metadata.get("flags") or []
    if isinstance(raw_flags, (list, tuple)):
        for flag in raw_flags:
            if isinstance(flag, str) and _NAME.match(flag) and len(flags) < _ARCHIVE_MAX_ENTRIES:
                if flag not in flags:
                    flags.append(flag)
            else:
                logger.warning(
                    "Conversation %r: archive flag %r of a bot message ignored", conversation_id, flag
                )
    else:
        logger.warning(
            "Conversation %r: archive flags %r of a bot message ignored: not a list",
            conversation_id, raw_flags,
        )  # fmt: skip
    extra: Dict[str, Any] = {}
    for key, value in metadata.items():
        if key == "flags":
            continue
        if len(extra) >= _ARCHIVE_MAX_ENTRIES:
            logger.warning(
                "Conversation %r: archive metadata of a bot message has more than %d entries; "
                "the rest ignored", conversation_id, _ARCHIVE_MAX_ENTRIES,
            )  # fmt: skip
            break
        if not isinstance(key, str) or not _NAME.match(key) or key in reserved:
            logger.warning(
                "Conversation %r: archive entry %r of a bot message ignored (not a name, or "
                "one the channel fills itself)", conversation_id, key,
            )  # fmt: skip
            continue
        if _archive_scalar(value):
            extra[key] = value
        elif (
            isinstance(value, Mapping)
            and len(value) <= _ARCHIVE_MAX_ENTRIES
            and all(isinstance(k, str) and _NAME.match(k) and _archive_scalar(v) for k, v in value.items())
        ):
            extra[key] = dict(value)
        else:
            logger.warning(
                "Conversation %r: archive entry %r of a bot message ignored: only short "
                "strings and true/false, or one object of them, are kept", conversation_id, key,
            )  # fmt: skip
    return tuple(flags), extra


def _archive_scalar(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    return isinstance(value, str) and len(value) <= _ARCHIVE_MAX_STRING and not _CONTROL.search(value)


def redirect_label(turn: StoredTurn) -> Optional[str]:
    """Where an out-of-scope question was sent, as auditors read it, or None.

    For a message that sent the citizen to a department (``extra.redirect``: the bot's
    refusal, or the clerk's one-click redirect). The clerk's hint itself (event
    ``out_of_scope_redirect``) was only a suggestion and has its own event label.
    """
    redirect = (turn.extra or {}).get(REDIRECT)
    if not isinstance(redirect, Mapping):
        return None
    department = redirect.get("department") or redirect.get("topic")
    if not isinstance(department, str) or not department.strip():
        return None
    email = redirect.get("email")
    label = f"Redirecționat către {department}"
    return f"{label} ({email})" if isinstance(email, str) and email else label
