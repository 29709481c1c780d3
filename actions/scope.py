"""Questions the livechat does not answer: investments and infrastructure works.

The citizen gets a polite refusal and the e-mail of the department responsible for the
topic (read from forms_catalog/departments.yml), with a pre-filled mailto: link.
"""

import re
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from forms_catalog import Department, load_catalog
from forms_catalog.redirects import (  # the texts and links, shared with the live chat
    INFRASTRUCTURE_INTENT,
    MIXED,
    REFUSAL,
    email_button,
    redirect_department,
)
from livechat.protocol import WEBSITE_CHANNEL, filing_page_url
from nlu_ro.normalize import fold

# The archive's flag for a refused out-of-scope question (archive/turns.py).
ARCHIVE_FLAG = "out_of_scope"
# How many earlier user messages a request for a person may refer back to.
LOOKBACK_USER_TURNS = 2

# Where a message passes from one question to the next ("… urbanism? și când asfaltați
# strada?"); matched on the folded text, whose offsets are the original's.
_CLAUSE_BREAK = re.compile(r"[?!.;,]+|\b(?:si|dar|iar|apoi|plus|inca)\b")
# A clause with one of these (folded) word beginnings asks about a procedure even when it
# names a works topic: "… și cât costă branșamentul la apă" is still about our papers.
_PROCEDURE_WORDS = (
    "act",
    "autoriza",
    "aviz",
    "certificat",
    "cerer",
    "formular",
    "document",
    "tax",
    "bransament",
    "racord",
    "contract",
    "acord",
    "adeverint",
    "dosar",
)
_WORD = re.compile(r"[0-9a-z]+")


def recent_infrastructure_question(tracker: Tracker) -> Optional[Text]:
    """The text of an infrastructure question among the user's previous messages, if any."""
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    for event in reversed(user_events[-1 - LOOKBACK_USER_TURNS : -1]):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == INFRASTRUCTURE_INTENT:
            return event.get("text") or ""
    return None


def clauses(text: Text) -> List[Dict[Text, Any]]:
    """The parts of ``text`` between clause breaks, with their offsets, empty ones dropped."""
    folded = fold(text)
    parts, start = [], 0
    for match in [*_CLAUSE_BREAK.finditer(folded), None]:
        end = match.start() if match else len(text)
        if folded[start:end].strip():
            parts.append({"text": text[start:end].strip(), "start": start, "end": end})
        start = match.end() if match else end
    return parts


def works_part(text: Text, form_entities: Sequence[Dict[Text, Any]] = ()) -> Optional[Text]:
    """The part of a procedure question that asks about works, if it has one.

    "ce acte trebuie pentru certificat de urbanism și când asfaltați strada?" has one
    ("când asfaltați strada"): a clause without the form that names the topic of a
    department the chat does not answer for, and that asks about none of our papers.
    The classifier often gives such a message no infrastructure score at all, because the
    procedure words dominate it.
    """
    catalog = load_catalog()
    named_at = [int(e.get("start") or 0) for e in form_entities]
    for clause in clauses(text):
        if any(clause["start"] <= at < clause["end"] for at in named_at):
            continue
        words = _WORD.findall(fold(clause["text"]))
        if any(w.startswith(_PROCEDURE_WORDS) for w in words):
            continue
        if catalog.department_for_topic(clause["text"], in_scope=False) is not None:
            return clause["text"]
    return None


def archive_note(department: Department, mixed: bool) -> Dict[Text, Any]:
    """What the archive records with the redirect, for auditors to count and search.

    Sent as the ``archive`` metadata of the message (archive.turns.BOT_ARCHIVE_METADATA):
    the website channel and the tracker store archive it with the bot's turn, and the
    citizen never sees it. ``out_of_scope`` is the flag the archive gives the clerk's
    redirect hint too; ``topic`` is the department's id, as in that hint.
    """
    return {
        "flags": [ARCHIVE_FLAG],
        "redirect": {
            "topic": department.id,
            "department": department.name,
            "email": department.email,
            "mixed": mixed,
        },
    }


def utter_redirect(
    dispatcher: CollectingDispatcher,
    text: Text,
    template: Text = REFUSAL,
    conversation_id: Optional[Text] = None,
) -> Department:
    """Sends the redirect for the topic of ``text``; returns the department chosen.

    The message is archived flagged ``out_of_scope`` with the department (see
    :func:`archive_note`); ``mixed`` there means only the works part was refused. With a
    website ``conversation_id``, the citizen may also send it as a petition to that
    department, with a photo (submissions/: a registration number and 30 days).
    """
    department = redirect_department(text)
    buttons = [email_button(department)]
    if conversation_id is not None:
        url = f"{filing_page_url('petitie', conversation_id)}&d={department.id}"
        buttons.append({"title": "Trimiteți sesizarea online", "type": "web_url", "url": url, "payload": url})
    dispatcher.utter_message(
        text=template.format(name=department.name, email=department.email),
        buttons=buttons,
        archive=archive_note(department, mixed=template == MIXED),
    )
    return department


class ActionRedirectInfrastructure(Action):
    """Refuses infrastructure questions and gives the responsible department's e-mail.

    When the message also names a form of the catalog ("am nevoie de AC, dar când se
    asfaltează strada?"), the procedure part is answered first.
    """

    def name(self) -> Text:
        return "action_redirect_infrastructure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        from actions.procedures import answer_form  # one card renderer for both paths

        events: List[Dict[Text, Any]] = []
        form_id = next(tracker.get_latest_entity_values("form"), None)
        if form_id is not None and form_id in load_catalog().forms:
            events = answer_form(dispatcher, form_id, ("summary", "documents"))
            utter_redirect(dispatcher, tracker.latest_message.get("text") or "", MIXED)
            return events
        website = tracker.get_latest_input_channel() == WEBSITE_CHANNEL
        utter_redirect(
            dispatcher,
            tracker.latest_message.get("text") or "",
            conversation_id=tracker.sender_id if website else None,
        )
        return events
