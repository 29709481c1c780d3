"""The citizen asks for a person: queued for a clerk, or the hours and the e-mail route.

The decision (working hours, a clerk present) is handoff/'s; see handoff/README.md.
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.scope import NO_CLERK_FOR_INFRASTRUCTURE, recent_infrastructure_question, utter_redirect
from handoff.trigger import request_human_messages


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, intent: Optional[Text]) -> None:
    """Queue the conversation for a clerk, or say when clerks are there and how else to write."""
    for message in request_human_messages(
        tracker.sender_id, form=tracker.get_slot("form"), intent=intent
    ):
        dispatcher.utter_message(**message)


class ActionRequestHuman(Action):
    """Wants a person: never for infrastructure questions, otherwise the handoff decides."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        infrastructure_question = recent_infrastructure_question(tracker)
        if infrastructure_question is not None:
            # A clerk may not answer these: explain why and repeat the e-mail route.
            utter_redirect(dispatcher, infrastructure_question, NO_CLERK_FOR_INFRASTRUCTURE)
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        hand_over(dispatcher, tracker, intent)
        return []
