"""Contact details the bot gives, read from the departments file of forms_catalog/."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from forms_catalog import Department, load_catalog

GENERAL_DEPARTMENT = "registratura"


def registratura() -> Department:
    """The general office (registratură) every question can fall back to."""
    return load_catalog().departments[GENERAL_DEPARTMENT]


def contact_text(department: Department) -> str:
    """One chat message with a department's e-mail, phone and hours."""
    parts = [f"{department.name}: e-mail {department.email}"]
    if department.phone:
        parts.append(f"telefon {department.phone}")
    text = ", ".join(parts) + f". Program: {department.hours}."
    return text


class ActionAnswerContact(Action):
    """Phone, e-mail and address of the city hall."""

    def name(self) -> Text:
        return "action_answer_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=contact_text(registratura()))
        dispatcher.utter_message(response="utter_location")
        return []
