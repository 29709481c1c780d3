from dataclasses import replace

from actions.contacts import PROVISIONAL, UNCONFIRMED_PHONE, ActionAnswerContact, contact_text, registratura
from tests.actions.helpers import run_action, tracker_after, user_event


def test_contact_text_flags_a_placeholder_email_and_an_unconfirmed_phone() -> None:
    office = replace(registratura(), placeholders=frozenset({"email"}), unverified=frozenset({"phone"}))
    text = contact_text(office)
    assert office.email in text and office.phone in text
    assert PROVISIONAL in text and UNCONFIRMED_PHONE in text


def test_contact_text_states_confirmed_details_plainly() -> None:
    office = replace(registratura(), placeholders=frozenset(), unverified=frozenset())
    text = contact_text(office)
    assert PROVISIONAL not in text and UNCONFIRMED_PHONE not in text


async def test_contact_question_gets_registratura_details_and_address() -> None:
    messages, _ = await run_action(
        ActionAnswerContact(), tracker_after(user_event("telefon?", "ask_contact"))
    )
    assert registratura().email in messages[0]["text"]
    assert messages[1]["response"] == "utter_location"
