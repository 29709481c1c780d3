"""When the bot does not understand the citizen."""

from typing import Any, Dict, Iterable, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over
from actions.procedures import category_buttons
from livechat.protocol import WEBSITE_CHANNEL, quiet_payload

REPHRASE = "Nu sunt sigur că am înțeles. Puteți reformula? Sau alegeți un domeniu:"
SECOND_FALLBACK = "Îmi pare rău că nu v-am putut ajuta."
# The third miss in a row: said once; later misses in a row get no answer, so that a flood
# of nonsense does not get one (or two) replies per message.
GOING_QUIET = (
    "Nu reușesc să înțeleg aceste mesaje, așa că nu voi mai răspunde la fiecare. Vă răspund "
    "din nou de îndată ce îmi scrieți o întrebare despre acte, taxe, formulare sau programul "
    "primăriei."
)


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


# How many of the latest user messages the count of misses looks at: nonsense is not
# always a miss for the NLU ("asdfgh" reads as affirm, "hgfd sa" as greet), so a flood of
# it is not always misses in a row.
RECENT_MESSAGES = 6


def recent_fallbacks(events: Iterable[Dict[Text, Any]], window: int = RECENT_MESSAGES) -> int:
    """How many of the latest ``window`` user messages the NLU could not classify."""
    users = [event for event in events if event.get("event") == "user"][-window:]
    return sum(
        1
        for event in users
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "nlu_fallback"
    )


class ActionHandleFallback(Action):
    """First miss: ask to rephrase, with topics. Second in a row: offer a person or e-mail.
    Third among the latest six messages: say that misses are no longer answered one by
    one. Later ones: no answer (until fewer of the latest six are misses)."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        misses = recent_fallbacks(tracker.events)
        if misses >= 4:
            # Recorded (the archive has every message), not answered; the website
            # channel is told so, lest it take the silence for a fault.
            if tracker.get_latest_input_channel() == WEBSITE_CHANNEL:
                dispatcher.utter_message(json_message=quiet_payload("nlu_fallback"))
        elif misses == 3:
            dispatcher.utter_message(text=GOING_QUIET)
        elif consecutive_fallbacks(tracker.events) >= 2:
            # Second miss in a row: a person (queued if a clerk is there) or the e-mail.
            dispatcher.utter_message(text=SECOND_FALLBACK)
            hand_over(dispatcher, tracker, "nlu_fallback")
        else:
            dispatcher.utter_message(
                text=REPHRASE,
                buttons=[*category_buttons(), {"title": "Program și contact", "payload": "/ask_contact"}],
            )
        return []
