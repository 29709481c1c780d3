"""When the bot does not understand, and when the citizen asks for a person."""

from typing import Any, Dict, Iterable, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contacts import contact_text, registratura
from actions.procedures import category_buttons
from actions.scope import NO_CLERK_FOR_INFRASTRUCTURE, recent_infrastructure_question, utter_redirect

REPHRASE = "Nu sunt sigur că am înțeles. Puteți reformula? Sau alegeți un domeniu:"
SECOND_FALLBACK = (
    "Îmi pare rău că nu v-am putut ajuta. Puteți vorbi cu un funcționar de la Relații "
    "cu Publicul sau ne puteți scrie la registratură, la {email}."
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


class ActionHandleFallback(Action):
    """First miss: ask to rephrase, with topics. Second in a row: offer a person or e-mail."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if consecutive_fallbacks(tracker.events) >= 2:
            dispatcher.utter_message(
                text=SECOND_FALLBACK.format(email=registratura().email),
                buttons=[
                    {"title": "Vorbește cu un funcționar", "payload": "/request_human"},
                    {"title": "Program și contact", "payload": "/ask_contact"},
                ],
            )
        else:
            dispatcher.utter_message(
                text=REPHRASE,
                buttons=[*category_buttons(), {"title": "Program și contact", "payload": "/ask_contact"}],
            )
        return []


class ActionRequestHuman(Action):
    """The citizen wants a person.

    The live handoff to a clerk arrives with the website channel (handoff/); until
    then the bot gives the ways to reach Relații cu Publicul and keeps helping.
    """

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        infrastructure_question = recent_infrastructure_question(tracker)
        if infrastructure_question is not None:
            # Never handed to a clerk: explain why and repeat the e-mail route.
            utter_redirect(dispatcher, infrastructure_question, NO_CLERK_FOR_INFRASTRUCTURE)
            return []
        dispatcher.utter_message(
            text="Deocamdată nu vă pot face legătura cu un funcționar din chat. "
            "Îi puteți contacta pe colegii de la Relații cu Publicul astfel:"
        )
        dispatcher.utter_message(text=contact_text(registratura()))
        dispatcher.utter_message(response="utter_how_can_help")
        return []
