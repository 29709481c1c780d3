"""Why a request of a citizen or clerk is refused: :class:`HandoffError`, and the checks
that raise it before anything changes."""

import re
from typing import Any, Dict, Optional

from livechat import door
from livechat.tables import FLAG_REASONS

MAX_FLAG_NOTE_CHARS = 500
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class HandoffError(Exception):
    """A request that cannot be carried out; nothing was changed.

    Attributes:
        code: stable machine-readable reason (``too_long``, ``already_taken``, …).
        message: what the citizen or clerk reads, in Romanian.
        status: the HTTP status for the console API.
    """

    def __init__(self, code: str, message: str, status: int = 400, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def frame(self, **extra: Any) -> Dict[str, Any]:
        return {"type": "error", "code": self.code, "message": self.message, **self.details, **extra}


def database_unavailable() -> HandoffError:
    """What the citizen or clerk reads while the database is away: nothing was stored."""
    return HandoffError(
        "unavailable",
        "Mesajul nu a putut fi salvat acum, de aceea nu a fost trimis. Încercați din nou "
        "peste câteva momente.",
        status=503,
    )


def check_text(text: Any) -> str:
    """A message a citizen or clerk may send (:func:`livechat.door.check_text`)."""
    try:
        return door.check_text(text)
    except door.Refused as refused:
        raise HandoffError(refused.code, refused.message, status=refused.status) from None


def check_flag(flag: Any, note: Any) -> "tuple[Optional[str], Optional[str]]":
    """A clerk's reason for flagging: a FLAG_REASONS key (or none) and an optional note,
    required for ``altul``."""
    if flag in (None, ""):
        if note not in (None, ""):
            raise HandoffError("bad_flag", "Alegeți și motivul semnalării, nu doar nota.")
        return None, None
    if not isinstance(flag, str) or flag not in FLAG_REASONS:
        raise HandoffError(
            "bad_flag",
            "Motivul semnalării poate fi: "
            + ", ".join(f"„{label}”" for label in FLAG_REASONS.values())
            + ".",
        )
    if note is not None and not isinstance(note, str):
        raise HandoffError("bad_flag", "Nota trebuie să fie text.")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_FLAG_NOTE_CHARS:
        raise HandoffError(
            "too_long", f"Nota are {len(note)} de caractere; limita este de {MAX_FLAG_NOTE_CHARS}.",
            status=413,
        )  # fmt: skip
    if flag == "altul" and note is None:
        raise HandoffError("note_required", "Pentru „alt motiv” scrieți pe scurt motivul.")
    return flag, note


def check_conversation_id(conversation_id: Any) -> str:
    if not isinstance(conversation_id, str) or not _CONVERSATION_ID.match(conversation_id):
        raise HandoffError(
            "unknown_conversation",
            "Conversația cerută nu există. Începeți o conversație nouă.",
            status=404,
        )
    return conversation_id
