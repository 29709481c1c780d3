"""Insults: a calm warning, a last warning, then the conversation is paused and flagged.

The bot never answers in kind. Every conversation is recorded; the third insult in one
conversation pauses it for the citizen for ``INSULT_PAUSE_MINUTES`` (default 15) and
flags it for the auditors. The pause itself is enforced by the website channel
(livechat/), which receives the custom ``{"handoff": {"action": "pause", …}}`` message.
"""

import os
from typing import Any, Dict, Iterable, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contacts import registratura
from livechat.protocol import pause_payload

INSULTS_BEFORE_PAUSE = 3

LAST_WARNING = (
    "Vă rugăm din nou să păstrați un ton civilizat. Conversația este înregistrată și "
    "arhivată; la următorul mesaj jignitor ea va fi suspendată pentru {minutes}."
)
PAUSED = (
    "Conversația este suspendată pentru {minutes} din cauza limbajului jignitor și "
    "a fost semnalată pentru verificare. După această perioadă ne puteți scrie din nou; "
    "între timp puteți trimite solicitarea pe e-mail, la {email}."
)


def pause_minutes() -> int:
    """Minutes a conversation stays paused after the third insult (INSULT_PAUSE_MINUTES)."""
    raw = os.environ.get("INSULT_PAUSE_MINUTES", "15")
    try:
        minutes = int(raw)
    except ValueError:
        raise ValueError(f"INSULT_PAUSE_MINUTES={raw!r}: a whole number of minutes is needed") from None
    if minutes <= 0:
        raise ValueError(f"INSULT_PAUSE_MINUTES={raw!r}: must be positive")
    return minutes


def minutes_text(minutes: int) -> str:
    """Romanian count of minutes: "un minut", "15 minute", "20 de minute"."""
    if minutes == 1:
        return "un minut"
    if minutes % 100 == 0 or minutes % 100 >= 20:
        return f"{minutes} de minute"
    return f"{minutes} minute"


def insults_so_far(events: Iterable[Dict[Text, Any]]) -> int:
    """How many user messages of this conversation were classified as insults."""
    return sum(
        1
        for event in events
        if event.get("event") == "user"
        and ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "insult"
    )


class ActionHandleInsult(Action):
    """Warns, warns a last time, then pauses and flags the conversation."""

    def name(self) -> Text:
        return "action_handle_insult"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        count = insults_so_far(tracker.events)
        minutes = pause_minutes()
        if count < INSULTS_BEFORE_PAUSE - 1:
            dispatcher.utter_message(response="utter_insult_warning")
        elif count == INSULTS_BEFORE_PAUSE - 1:
            dispatcher.utter_message(text=LAST_WARNING.format(minutes=minutes_text(minutes)))
        else:
            dispatcher.utter_message(
                text=PAUSED.format(minutes=minutes_text(minutes), email=registratura().email)
            )
            dispatcher.utter_message(
                json_message=pause_payload(minutes, reason="insult", flag="limbaj_jignitor")
            )
        return []
