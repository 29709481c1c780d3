"""Procedure questions answered from the forms catalog (forms_catalog/)."""

from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.scope import utter_redirect, works_part
from actions.settings import pdf_url
from forms_catalog import CATEGORIES, Catalog, Form, load_catalog
from forms_catalog.redirects import MIXED, MIXED_THRESHOLD, infrastructure_score
from livechat.protocol import WEBSITE_CHANNEL, filing_page_url

# Which part of the card each finer intent asks for; ask_procedure gets the whole card.
ASPECT_BY_INTENT: Dict[Text, Text] = {
    "ask_procedure_documents": "documents",
    "ask_procedure_fee": "fee",
    "ask_procedure_deadline": "deadline",
    "ask_procedure_submit": "submit",
    "ask_procedure_pickup": "pickup",
    # The summary is the purpose and who may apply ("Cine depune: …").
    "ask_procedure_eligibility": "summary",
}
FULL_CARD = ("summary", "documents", "fee", "deadline", "submit", "pickup")


def requested_form_id(tracker: Tracker) -> Optional[Text]:
    """The form this message is about: named now, or else the one discussed before."""
    return next(tracker.get_latest_entity_values("form"), None) or tracker.get_slot("form")


def form_entities(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The ``form`` entities of the latest message (with their offsets)."""
    return [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "form"]


def category_buttons() -> List[Dict[Text, Text]]:
    """One button per catalog category."""
    return [
        {"title": label, "payload": f'/ask_procedure{{"category": "{category}"}}'}
        for category, label in CATEGORIES.items()
    ]


def form_buttons(forms: List[Form], intent: Text = "ask_procedure") -> List[Dict[Text, Text]]:
    """One button per form, asking the same question about it."""
    return [{"title": form.title, "payload": f'/{intent}{{"form": "{form.id}"}}'} for form in forms]


def pdf_buttons(form: Form) -> List[Dict[Text, Text]]:
    """Download the blank interactive PDF, or start filling it now."""
    url = pdf_url(form.id)
    return [
        {"title": "Descărcați formularul (PDF)", "type": "web_url", "url": url, "payload": url},
        {"title": "Completați acum", "payload": f'/fill_form{{"form": "{form.id}"}}'},
    ]


def answer_form(
    dispatcher: CollectingDispatcher,
    form_id: Text,
    sections: Sequence[Text],
    more_buttons: Sequence[Dict[Text, Text]] = (),
) -> List[Dict[Text, Any]]:
    """Sends the chosen card sections of a form, the last one with the PDF buttons (and
    ``more_buttons``, e.g. filing online)."""
    catalog = load_catalog()
    form = catalog.get(form_id)
    card = catalog.card_sections(form.id)
    for section in sections[:-1]:
        dispatcher.utter_message(text=card[section])
    dispatcher.utter_message(text=card[sections[-1]], buttons=[*pdf_buttons(form), *more_buttons])
    return [SlotSet("form", form.id)]


def filing_button(form_id: Text, conversation_id: Text) -> Dict[Text, Text]:
    """On the website: the page where the form is filed online, linked to this chat."""
    url = filing_page_url(form_id, conversation_id)
    return {"title": "Depuneți online", "type": "web_url", "url": url, "payload": url}


def ask_which_form(
    dispatcher: CollectingDispatcher, catalog: Catalog, category: Optional[Text], intent: Text
) -> None:
    """No form named: offer the forms of a category, or the categories."""
    forms = catalog.by_category().get(category or "", [])
    if forms and category is not None:
        dispatcher.utter_message(
            text=f"Despre ce cerere din „{CATEGORIES[category]}” este vorba?",
            buttons=form_buttons(forms, intent),
        )
        return
    dispatcher.utter_message(
        text="Despre ce cerere sau formular este vorba? Scrieți numele lui "
        "(de exemplu „certificat de urbanism”) sau alegeți un domeniu:",
        buttons=category_buttons(),
    )


class ActionAnswerProcedure(Action):
    """The procedure card of a form, or just the aspect a finer intent asks for."""

    def name(self) -> Text:
        return "action_answer_procedure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        catalog = load_catalog()
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "ask_procedure"
        form_id = requested_form_id(tracker)
        text = tracker.latest_message.get("text") or ""
        works = works_part(text, form_entities(tracker))
        if form_id is None:
            category = next(tracker.get_latest_entity_values("category"), None)
            ask_which_form(dispatcher, catalog, category, intent)
            if works is not None:
                utter_redirect(dispatcher, works, MIXED)
            return []
        if form_id not in catalog.forms:
            dispatcher.utter_message(
                text="Nu am această cerere în catalogul meu. Alegeți un domeniu sau "
                "cereți să vorbiți cu un funcționar:",
                buttons=[
                    *category_buttons(),
                    {"title": "Vorbiți cu un funcționar", "payload": "/request_human"},
                ],
            )
            return [SlotSet("form", None)]

        aspect = ASPECT_BY_INTENT.get(intent)
        sections = (aspect,) if aspect else FULL_CARD
        online = (
            [filing_button(form_id, tracker.sender_id)]
            if "submit" in sections and tracker.get_latest_input_channel() == WEBSITE_CHANNEL
            else []
        )
        events = answer_form(dispatcher, form_id, sections, online)
        if works is not None or infrastructure_score(tracker.latest_message) >= MIXED_THRESHOLD:
            # The message also asks about works: answer the form, redirect the rest (to the
            # department of the works part when it is known).
            utter_redirect(dispatcher, works or text, MIXED)
        return events
