"""Sending a citizen to the department that answers about works and investments.

The texts, the department and the e-mail link of a redirect, shared by the bot
(``actions/scope.py``) and the clerk's hint (``livechat/redirect.py``), so both send the
same words. Pure functions of the catalog: no Rasa, no database.
"""

from typing import Any, Dict, Text
from urllib.parse import quote

from forms_catalog.loader import load_catalog
from forms_catalog.model import Department

INFRASTRUCTURE_INTENT = "out_of_scope_infrastructure"
# A procedure question whose message also scores this high for infrastructure mixes
# the two ("ce acte trebuie pentru AC? și când asfaltați strada?").
MIXED_THRESHOLD = 0.2
GENERAL_DEPARTMENT = "registratura"

REFUSAL = (
    "Pe acest chat răspundem la întrebări despre cereri, formulare și acte. "
    "Despre investiții și lucrări (drumuri, apă și canalizare, iluminat public) vă "
    "răspunde direct persoana responsabilă: vă rugăm să scrieți la {name}, la adresa {email}."
)
MIXED = "Cât despre lucrări și investiții, la ele nu răspundem pe chat: scrieți la {name}, la adresa {email}."
NO_CLERK_FOR_INFRASTRUCTURE = (
    "Un funcționar de la Relații cu Publicul nu vă poate răspunde despre lucrări și "
    "investiții: răspunsul îl dă persoana responsabilă, care vă scrie înapoi. "
    "Vă rugăm să trimiteți întrebarea la {name}, la adresa {email}."
)


def infrastructure_score(latest_message: Dict[Text, Any]) -> float:
    """The NLU's confidence that the message (also) asks about infrastructure."""
    for ranked in latest_message.get("intent_ranking") or []:
        if ranked.get("name") == INFRASTRUCTURE_INTENT:
            return float(ranked.get("confidence") or 0.0)
    return 0.0


def redirect_department(text: Text) -> Department:
    """The out-of-scope department for the topic of ``text``; the registratură if none.

    Only departments the livechat redirects to are considered: "…certificatul de
    urbanism? și când asfaltați strada?" goes to roads, not to urbanism.
    """
    department = load_catalog().department_for_topic(text or "", in_scope=False)
    return department or load_catalog().departments[GENERAL_DEPARTMENT]


def mailto(department: Department, subject: Text) -> Text:
    """A mailto: link to the department with the subject filled in."""
    return f"mailto:{department.email}?subject={quote(subject)}"


def email_button(department: Department) -> Dict[Text, Text]:
    """A button that opens the citizen's e-mail app with the topic as subject."""
    link = mailto(department, f"Întrebare din livechat — {department.name}")
    return {
        "title": f"Scrieți un e-mail: {department.email}",
        "type": "web_url",
        "url": link,
        "payload": link,
    }
