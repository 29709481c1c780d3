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
- ``{"handoff": {"action": "quiet", "reason": …}}`` — the bot chose not to answer this
  message (the fourth not-understood message in a row, ``actions/help.py``): the channel
  sends nothing, and does not take the silence for an action server that is down.
"""

from typing import Any, Dict, Optional

HANDOFF = "handoff"
REQUEST_ACTION = "request"
PAUSE_ACTION = "pause"
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
