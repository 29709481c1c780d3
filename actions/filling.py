"""Filling a form in the chat: the Rasa form ``form_filling`` over the catalog's fields.

One form, one requested slot: ``fill_answer`` (the citizen's text while the form is
active) is asked again for each field by ``action_ask_fill_answer``, which reads the
current field from ``fill_state`` (the form, the answers so far); ``validate_form_filling``
checks each answer with the field's validator (forms_catalog.filling), stores it and
empties ``fill_answer`` so that the next field is asked. The form ends when the citizen
confirms the summary, or stops ("renunț", "mai târziu": the answers stay in
``fill_state`` for "continuă completarea"); then ``action_finish_filling`` asks the website
channel for the filled, sealed PDF (a custom payload: the action server never fills or
keeps documents), or on REST sends the summary and the form page to sign on.

The answers are personal data (CNP, address): they are never logged.
"""

import datetime as dt
from typing import Any, Dict, List, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.contacts import contact_text, registratura
from actions.handoff import hand_over
from actions.procedures import ASPECT_BY_INTENT
from actions.schedule import schedule_answer
from actions.scope import utter_redirect
from actions.settings import PUBLIC_BASE_URL
from forms_catalog import Form, form_page_url, load_catalog
from forms_catalog.errors import FieldValidationError
from forms_catalog.filling import (
    STOP_COMMANDS,
    STOPPED,
    SUMMARY_QUESTION,
    UNKNOWN_FORM,
    WHICH_FORM,
    FillState,
    answer,
    filled_form_payload,
    is_command,
    next_field,
    question,
    start,
    summary_text,
)
from forms_catalog.text import fold
from livechat.protocol import FILL_STATE_SLOT, WEBSITE_CHANNEL

FORM = "form_filling"
ANSWER_SLOT = "fill_answer"
STATE_SLOT = FILL_STATE_SLOT
REQUESTED_SLOT = "requested_slot"
BUCHAREST = ZoneInfo("Europe/Bucharest")

STOP_BUTTON = {"title": "Renunțați", "payload": "renunț"}
SKIP_BUTTON = {"title": "Treceți peste", "payload": "treceți peste"}
SUMMARY_BUTTONS = [
    {"title": "Confirmați", "payload": "/affirm"},
    {"title": "Corectați", "payload": "/deny"},
    STOP_BUTTON,
]


# A question asked in the middle of the filling is answered, then the same field is asked
# again: only when the NLU is sure of it and the message is not a plausible answer to the
# field (it fails the field's validator, or it asks: "?"), so that a petition's text about
# sewage stays an answer.
INTERRUPTIONS = frozenset(
    {*ASPECT_BY_INTENT, "ask_procedure", "ask_schedule", "ask_location", "ask_contact"}
    | {"out_of_scope_infrastructure", "bot_challenge"}
)
INTERRUPTION_CONFIDENCE = 0.8
BACK_TO_THE_FORM = "Revenim la completarea cererii."


def _intent(tracker: Tracker) -> Optional[Text]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _confidence(tracker: Tracker) -> float:
    value = (tracker.latest_message.get("intent") or {}).get("confidence")
    return float(value) if isinstance(value, (int, float)) else 0.0


def _is_interruption(tracker: Tracker, form: Form, state: FillState, text: Text) -> bool:
    """A confident question that is not a plausible answer to the current field.

    A long text field (a petition's content) takes any text as its answer, questions
    included; elsewhere a question mark, or a value the field's validator refuses, is
    a question rather than an answer.
    """
    if _intent(tracker) not in INTERRUPTIONS or _confidence(tracker) < INTERRUPTION_CONFIDENCE:
        return False
    if is_command(text):
        return False
    item = next_field(form, state)
    if item is None:  # the summary: its answers are yes, no, or a correction
        return True
    if item.multiline:
        return False
    if text.rstrip().endswith("?") or item.type == "checkbox":
        return True
    try:
        item.clean(text)
    except FieldValidationError:
        return True
    return False


def _answer_interruption(dispatcher: CollectingDispatcher, tracker: Tracker, form: Form) -> None:
    """The short answer to a question asked mid-form (no buttons: the form goes on)."""
    intent = _intent(tracker) or ""
    text = tracker.latest_message.get("text") or ""
    catalog = load_catalog()
    if intent in ASPECT_BY_INTENT or intent == "ask_procedure":
        named = next(tracker.get_latest_entity_values("form"), None)
        about = catalog.forms.get(named) if isinstance(named, str) else None
        card = catalog.card_sections((about or form).id)
        for section in (
            (ASPECT_BY_INTENT[intent],) if intent in ASPECT_BY_INTENT else ("summary", "documents")
        ):
            dispatcher.utter_message(text=card[section])
    elif intent == "ask_schedule":
        dispatcher.utter_message(text=schedule_answer())
    elif intent == "ask_contact":
        dispatcher.utter_message(text=contact_text(registratura()))
    elif intent == "ask_location":
        dispatcher.utter_message(response="utter_location")
    elif intent == "out_of_scope_infrastructure":
        utter_redirect(dispatcher, text)
    else:
        dispatcher.utter_message(response="utter_iamabot")
    dispatcher.utter_message(text=BACK_TO_THE_FORM)


def _named_form(tracker: Tracker, text: Text = "") -> Optional[Form]:
    """The catalog form the latest message names (entity, or the text as a form's name)."""
    catalog = load_catalog()
    form_id = next(tracker.get_latest_entity_values("form"), None)
    if isinstance(form_id, str) and form_id in catalog.forms:
        return catalog.forms[form_id]
    return catalog.find(text) if text else None


def _begin(dispatcher: CollectingDispatcher, form: Form, saved: FillState) -> Dict[Text, Any]:
    outcome = start(form, saved)
    for message in outcome.messages:
        dispatcher.utter_message(text=message)
    return {STATE_SLOT: outcome.state.as_slot(), "form": form.id}


class ValidateFormFilling(FormValidationAction):
    """Each answer checked with its field's validator, stored, and the next field asked."""

    def name(self) -> Text:
        return "validate_form_filling"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        if ANSWER_SLOT in tracker.slots_to_validate():
            return await super().run(dispatcher, tracker, domain)
        # The form is being activated: no answer yet. Start the form named (or resume the
        # one whose answers were kept), or ask which one.
        saved = FillState.from_slot(tracker.get_slot(STATE_SLOT))
        catalog = load_catalog()
        form = _named_form(tracker) or catalog.forms.get(saved.form_id or tracker.get_slot("form") or "")
        if form is None:
            dispatcher.utter_message(text=WHICH_FORM)
            return [SlotSet(STATE_SLOT, FillState().as_slot())]
        return [SlotSet(name, value) for name, value in _begin(dispatcher, form, saved).items()]

    async def validate_fill_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = value if isinstance(value, str) else ""
        state = FillState.from_slot(tracker.get_slot(STATE_SLOT))
        intent = _intent(tracker)
        stop = {ANSWER_SLOT: None, REQUESTED_SLOT: None, STATE_SLOT: state.as_slot()}
        if fold(text) in STOP_COMMANDS:
            dispatcher.utter_message(text=STOPPED)
            return stop
        catalog = load_catalog()
        named = _named_form(tracker, text if state.form_id is None else "")
        switch = intent == "fill_form" and named is not None and named.id != state.form_id
        if state.form_id not in catalog.forms or switch:
            # Choosing the form (or "Completați acum" of another one pressed meanwhile).
            if named is None:
                dispatcher.utter_message(text=UNKNOWN_FORM)
                return {ANSWER_SLOT: None}
            return {ANSWER_SLOT: None, **_begin(dispatcher, named, state)}
        if text.startswith("/") and intent not in ("affirm", "deny"):
            # A button of an earlier message (a person, a topic): the filling stops with its
            # answers kept; action_finish_filling hands over a request for a person.
            dispatcher.utter_message(text=STOPPED)
            return stop
        form = catalog.get(state.form_id or "")
        if intent == "request_human" and _confidence(tracker) >= INTERRUPTION_CONFIDENCE:
            # "vreau să vorbesc cu un funcționar", typed: as the button does.
            dispatcher.utter_message(text=STOPPED)
            return stop
        if _is_interruption(tracker, form, state, text):
            _answer_interruption(dispatcher, tracker, form)
            return {ANSWER_SLOT: None}
        outcome = answer(form, state, text, affirmed=intent == "affirm", denied=intent == "deny")
        for message in outcome.messages:
            dispatcher.utter_message(text=message)
        events: Dict[Text, Any] = {ANSWER_SLOT: None, STATE_SLOT: outcome.state.as_slot()}
        if outcome.stopped or outcome.state.confirmed:
            events[REQUESTED_SLOT] = None  # the form ends; action_finish_filling follows
        return events


def question_buttons(form: Form, state: FillState) -> List[Dict[Text, Text]]:
    """The buttons of the current question: skip, yes/no, today's date, stop."""
    item = next_field(form, state)
    if item is None:
        return SUMMARY_BUTTONS
    buttons: List[Dict[Text, Text]] = []
    if item.type == "checkbox":
        buttons += [{"title": "Da", "payload": "da"}, {"title": "Nu", "payload": "nu"}]
    if item.name == "data_cererii":
        today = dt.datetime.now(BUCHAREST).strftime("%d.%m.%Y")
        buttons.append({"title": f"Astăzi ({today})", "payload": today})
    if not item.required:
        buttons.append(SKIP_BUTTON)
    return [*buttons, STOP_BUTTON]


class ActionAskFillAnswer(Action):
    """The current question (label, help, buttons), or the summary to confirm."""

    def name(self) -> Text:
        return "action_ask_fill_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        state = FillState.from_slot(tracker.get_slot(STATE_SLOT))
        form = load_catalog().forms.get(state.form_id or "")
        if form is None:
            return []  # which form: already asked
        item = next_field(form, state)
        text = question(form, item) if item else f"{summary_text(form, state)}\n\n{SUMMARY_QUESTION}"
        dispatcher.utter_message(text=text, buttons=question_buttons(form, state))
        return []


class ActionFinishFilling(Action):
    """After the form: the filled PDF asked for (confirmed), or a stop acknowledged."""

    def name(self) -> Text:
        return "action_finish_filling"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        state = FillState.from_slot(tracker.get_slot(STATE_SLOT))
        form = load_catalog().forms.get(state.form_id or "")
        if form is None or not state.confirmed:
            if _intent(tracker) == "request_human":
                hand_over(dispatcher, tracker, "request_human")
            return []
        if tracker.get_latest_input_channel() == WEBSITE_CHANNEL:
            dispatcher.utter_message(
                text="Mulțumesc! Completez cererea și o sigilez; primiți imediat linkul de descărcare."
            )
            dispatcher.utter_message(json_message=filled_form_payload(form.id, state.values()))
        else:
            url = form_page_url(form.id, PUBLIC_BASE_URL)
            dispatcher.utter_message(
                text=(
                    f"{summary_text(form, state)}\n\nPe acest canal nu vă pot trimite PDF-ul. "
                    "Deschideți pagina formularului, completați-l cu datele de mai sus, semnați-l "
                    "și descărcați-l sigilat de primărie."
                ),
                buttons=[{"title": "Deschideți formularul", "type": "web_url", "url": url, "payload": url}],
            )
        return [SlotSet(STATE_SLOT, None)]
