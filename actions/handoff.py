"""The citizen asks for a person: queued for a clerk, or the hours and the e-mail route.

The decision (working hours, a clerk present) is the website channel's, which owns the
state (livechat/README.md): the action sends it a custom payload and never opens the
database. On a channel with no live chat (REST) it answers with the e-mail route.

A clerk may not answer about works and investments: a request for a person that is
itself about works gets the redirect. A request after an earlier works question goes to
the queue like any other (the citizen may have another need), and the clerk is shown
that question with its redirect, ready to send.
"""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.scope import recent_infrastructure_question, utter_redirect
from forms_catalog import load_catalog
from forms_catalog.redirects import MIXED_THRESHOLD, NO_CLERK_FOR_INFRASTRUCTURE, infrastructure_score
from livechat.decision import mail_button, no_live_chat_text, registratura_email, schedule_broken_text
from livechat.protocol import WEBSITE_CHANNEL, request_payload
from livechat.schedule import ScheduleError, current_schedule


def is_about_works(latest_message: Dict[Text, Any]) -> bool:
    """Whether the request for a person itself asks about works or investments."""
    if infrastructure_score(latest_message) >= MIXED_THRESHOLD:
        return True
    text = latest_message.get("text") or ""
    return load_catalog().department_for_topic(text, in_scope=False) is not None


def hand_over(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    intent: Optional[Text],
    works_question: Optional[Text] = None,
) -> None:
    """Ask the website channel for a clerk; elsewhere, say how else to reach the city hall."""
    if tracker.get_latest_input_channel() == WEBSITE_CHANNEL:
        payload = request_payload(tracker.get_slot("form"), intent)
        if works_question:
            payload["handoff"]["works_question"] = works_question
        dispatcher.utter_message(json_message=payload)
        return
    email = registratura_email()
    try:
        text = no_live_chat_text(current_schedule(), email)
    except ScheduleError:
        text = schedule_broken_text(email)
    dispatcher.utter_message(text=text, buttons=[mail_button(email)])


class ActionRequestHuman(Action):
    """Wants a person: never about works; otherwise the website channel decides."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message or {}
        if is_about_works(latest):
            # A clerk may not answer these: explain why and repeat the e-mail route.
            utter_redirect(dispatcher, latest.get("text") or "", NO_CLERK_FOR_INFRASTRUCTURE)
            return []
        intent = (latest.get("intent") or {}).get("name")
        hand_over(dispatcher, tracker, intent, works_question=recent_infrastructure_question(tracker))
        return []
