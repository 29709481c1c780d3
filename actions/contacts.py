"""Contact details the bot gives, read from the departments file of forms_catalog/."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from forms_catalog import Department, load_catalog

GENERAL_DEPARTMENT = "registratura"


def registratura() -> Department:
    """The general office (registratură) every question can fall back to."""
    return load_catalog().departments[GENERAL_DEPARTMENT]


PROVISIONAL = "⚠ Adresa de e-mail este provizorie până la confirmarea primăriei."
UNCONFIRMED_PHONE = (
    "⚠ Numărul de telefon provine dintr-o sursă neoficială — verificați-l pe site-ul primăriei."
)


def contact_text(department: Department) -> str:
    """One chat message with a department's e-mail, phone and hours, caveats included.

    A placeholder e-mail or an unconfirmed phone number is never given as certain.
    """
    lines = [f"{department.name}:", f"• e-mail: {department.email}"]
    if department.phone:
        lines.append(f"• telefon: {department.phone}")
    if department.hours:
        lines.append(f"• program: {department.hours}")
    if department.is_placeholder("email"):
        lines.append(PROVISIONAL)
    if department.phone and (department.is_placeholder("phone") or "phone" in department.unverified):
        lines.append(UNCONFIRMED_PHONE)
    return "\n".join(lines)


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
