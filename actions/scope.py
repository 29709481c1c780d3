"""Questions the livechat does not answer: investments and infrastructure works.

The citizen gets a polite refusal and the e-mail of the department responsible for the
topic (read from forms_catalog/departments.yml), with a pre-filled mailto: link.
"""

from typing import Any, Dict, List, Text
from urllib.parse import quote

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contacts import registratura
from forms_catalog import Department, load_catalog


def redirect_department(text: Text) -> Department:
    """The department for the topic of ``text``; the registratură when none matches."""
    department = load_catalog().department_for_topic(text or "")
    return department or registratura()


def mailto(department: Department, subject: Text) -> Text:
    """A mailto: link to the department with the subject filled in."""
    return f"mailto:{department.email}?subject={quote(subject)}"


class ActionRedirectInfrastructure(Action):
    """Refuses infrastructure questions and gives the responsible department's e-mail."""

    def name(self) -> Text:
        return "action_redirect_infrastructure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        department = redirect_department(tracker.latest_message.get("text") or "")
        subject = f"Întrebare din livechat — {department.name}"
        dispatcher.utter_message(
            text=(
                "Pe acest chat răspundem la întrebări despre cereri, formulare și acte. "
                "Despre investiții și lucrări (drumuri, apă și canalizare, iluminat public) "
                "vă răspunde direct persoana responsabilă: vă rugăm să scrieți la "
                f"{department.name}, la adresa {department.email}."
            ),
            buttons=[
                {
                    "title": f"Scrie un e-mail: {department.email}",
                    "type": "web_url",
                    "url": mailto(department, subject),
                    "payload": mailto(department, subject),
                }
            ],
        )
        return []
