"""Actions for the integration tests' action server: the project's actions, with
``action_request_human`` doing the live handoff through :mod:`handoff.trigger`.

This is the behaviour the lead is asked to move into actions/ (see handoff/README.md,
"Wiring"); rasa_sdk registers this subclass after the original, so it replaces it.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.contacts  # noqa: F401  (registers the project's actions)
import actions.help
import actions.procedures  # noqa: F401
import actions.scope  # noqa: F401
from handoff.trigger import request_human_messages


class ActionRequestHumanWithHandoff(actions.help.ActionRequestHuman):
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        for message in request_human_messages(
            tracker.sender_id, form=tracker.get_slot("form"), intent=intent
        ):
            dispatcher.utter_message(**message)
        return []
