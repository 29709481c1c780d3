"""When the bot does not understand the citizen."""

from typing import Any, Dict, Iterable, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over
from actions.procedures import category_buttons

REPHRASE = "Nu sunt sigur că am înțeles. Puteți reformula? Sau alegeți un domeniu:"
SECOND_FALLBACK = "Îmi pare rău că nu v-am putut ajuta."


def consecutive_fallbacks(events: Iterable[Dict[Text, Any]]) -> int:
    """How many of the latest user messages in a row the NLU could not classify."""
    count = 0
    for event in reversed(list(events)):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionHandleFallback(Action):
    """First miss: ask to rephrase, with topics. Second in a row: offer a person or e-mail."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if consecutive_fallbacks(tracker.events) >= 2:
            # Second miss in a row: a person (queued if a clerk is there) or the e-mail.
            dispatcher.utter_message(text=SECOND_FALLBACK)
            hand_over(dispatcher, tracker, "nlu_fallback")
        else:
            dispatcher.utter_message(
                text=REPHRASE,
                buttons=[*category_buttons(), {"title": "Program și contact", "payload": "/ask_contact"}],
            )
        return []
