"""What the action server tells the website channel: custom payloads, and state names.

The action server never opens the database (DESIGN.md): an action that needs the live
chat to do something sends a custom payload, and the channel, which owns the state,
decides and answers. Pure names and functions: importing this module opens nothing, so
``actions/`` may use it.

- ``{"handoff": {"action": "request", "form": …, "intent": …}}`` — the citizen asks for a
  person (``action_request_human``): the channel queues the conversation, or answers with
  the hours and the e-mail route (:func:`livechat.decision.decide_for`).
- ``{"handoff": {"action": "pause", "minutes": N, "reason": "insult", "flag": …}}`` — the
  third insult (``actions/abuse.py``): the channel holds the citizen's messages back.
- ``{"filing_status": {"number": "123/01.12.2026", "code": "ABCD-EFGH-JKMN"}}`` — the
  citizen asks the status of a filed request (``action_filing_status``): the channel looks
  it up (livechat/filings.py); ``number``/``code`` are None when the message lacks them.
- ``{"leave_message": {}}`` — "lăsați un mesaj" (``action_leave_message``): the channel
  offers the page where the citizen leaves the question and a contact.
- ``{"handoff": {"action": "quiet", "reason": …}}`` — the bot chose not to answer this
  message (the fourth not-understood message in a row, ``actions/help.py``): the channel
  sends nothing, and does not take the silence for an action server that is down.
"""

import re
from typing import Any, Dict, Optional
from urllib.parse import quote

HANDOFF = "handoff"
FILING_STATUS = "filing_status"
LEAVE_MESSAGE = "leave_message"
REQUEST_ACTION = "request"
PAUSE_ACTION = "pause"
#: The slot of Rasa's tracker with the form being filled in the chat and its answers
#: (forms_catalog.filling.FillState.as_slot): set by actions/filling.py, and by a clerk
#: who completes the form for the citizen (livechat/clerk_filling.py).
FILL_STATE_SLOT = "fill_state"
QUIET_ACTION = "quiet"
#: The name of the website channel, as Rasa records a message's input channel.
WEBSITE_CHANNEL = "website"

# Conversation states (DESIGN.md) and clerk presence values, as stored.
BOT, QUEUED, CLERK, CLOSED = "bot", "queued", "clerk", "closed"
STATES = (BOT, QUEUED, CLERK, CLOSED)
ACTIVE, UNAVAILABLE = "activ", "indisponibil"
PRESENCES = (ACTIVE, UNAVAILABLE)
# Why a conversation was flagged for audit, and how the console names the reason.
FLAG_REASONS = {
    "limbaj_jignitor": "limbaj jignitor",
    "spam": "spam",
    "altul": "alt motiv",
}
# Who wrote a message of the transcript.
CITIZEN, SYSTEM = "citizen", "system"
SENDERS = (CITIZEN, BOT, CLERK, SYSTEM)


def request_payload(form: Optional[str], intent: Optional[str]) -> Dict[str, Any]:
    """The custom payload of a request for a person."""
    return {HANDOFF: {"action": REQUEST_ACTION, "form": form, "intent": intent}}


def quiet_payload(reason: str) -> Dict[str, Any]:
    """The custom payload of a message the bot deliberately leaves unanswered."""
    return {HANDOFF: {"action": QUIET_ACTION, "reason": reason}}


def pause_payload(minutes: int, reason: str, flag: Optional[str]) -> Dict[str, Any]:
    """The custom payload that pauses a conversation for ``minutes``."""
    return {HANDOFF: {"action": PAUSE_ACTION, "minutes": minutes, "reason": reason, "flag": flag}}


# A registration number ("123/01.12.2026") and an access code ("ABCD-EFGH-JKMN") in a
# citizen's message; the channel checks them again (submissions.numbers, .codes).
_NUMBER = re.compile(r"\b(\d{1,7})\s*/\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b")
_CODE = re.compile(r"\b([A-Za-z0-9]{4})([- ]?)([A-Za-z0-9]{4})\2([A-Za-z0-9]{4})\b")


def filing_status_payload(text: str) -> Dict[str, Any]:
    """The custom payload of a status question: the number and code found in ``text``."""
    text = text or ""
    number = _NUMBER.search(text)
    rest = text if number is None else text[: number.start()] + " " + text[number.end() :]
    # As printed (with dashes), or with a digit: "care este data" is not a code.
    code = next(
        (m for m in _CODE.finditer(rest) if m.group(2) == "-" or any(ch.isdigit() for ch in m.group(0))), None
    )
    return {
        FILING_STATUS: {
            "number": number.group(0) if number else None,
            "code": "-".join((code.group(1), code.group(3), code.group(4))).upper() if code else None,
        }
    }


def leave_message_payload() -> Dict[str, Any]:
    return {LEAVE_MESSAGE: {}}


def filing_page_url(form_id: str, conversation_id: str) -> str:
    """The page where a form is filed online, linked to the chat that offered it."""
    return f"/depunere/{quote(form_id)}?c={quote(conversation_id)}"
