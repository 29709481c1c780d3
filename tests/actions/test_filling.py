"""Filling a form in the chat (actions/filling.py), with real rasa_sdk trackers.

Each turn is built as Rasa's FormAction hands it to the validation action: the user's
message, the form's ActionExecuted and the extracted ``fill_answer`` after it; the slot
events the validation returns are applied, then ``action_ask_fill_answer`` is run on the
result, as the form does.
"""

from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.filling import ActionAskFillAnswer, ActionFinishFilling, ValidateFormFilling
from tests.actions.helpers import form_entity, user_event

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain")).as_dict()
VALID_CNP = "1800101221144"
BAD_CHECK_DIGIT = "1800101221145"


def _tracker(
    message: Dict[str, Any], slots: Dict[str, Any], form_events: Iterable[Dict[str, Any]] = ()
) -> Tracker:
    events = [{"event": "action", "name": "action_listen"}, message, *form_events]
    return Tracker(
        sender_id="test-citizen",
        slots=slots,
        latest_message=dict(message["parse_data"]),
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "form_filling"},
        latest_action_name="form_filling",
    )


class Chat:
    """Runs the form's actions turn by turn, keeping the slots as Rasa would."""

    def __init__(self, channel: str = "website") -> None:
        self.slots: Dict[str, Any] = {"fill_state": None, "fill_answer": None, "form": None}
        self.channel = channel
        self.ended = False

    async def _run(self, action: Any, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker, DOMAIN)
        for event in events:
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        return dispatcher.messages, events

    async def _ask(self, message: Dict[str, Any]) -> List[Dict[str, Any]]:
        if self.slots.get("requested_slot", "fill_answer") is None:
            self.ended = True
            return []
        asked, _ = await self._run(ActionAskFillAnswer(), _tracker(message, dict(self.slots)))
        return asked

    async def open(self, text: str, *entities: Dict[str, Any]) -> List[Dict[str, Any]]:
        """The form's activation (fill_form): no answer to validate yet."""
        message = user_event(text, "fill_form", entities, input_channel=self.channel)
        said, _ = await self._run(
            ValidateFormFilling(),
            _tracker(message, dict(self.slots), [{"event": "action", "name": "form_filling"}]),
        )
        self.slots["requested_slot"] = "fill_answer"
        return said + await self._ask(message)

    async def say(
        self, text: str, intent: str = "nlu_fallback", *entities: Dict[str, Any], confidence: float = 0.9
    ) -> List[Dict[str, Any]]:
        message = user_event(text, intent, entities, input_channel=self.channel)
        message["parse_data"]["intent"]["confidence"] = confidence
        self.slots["fill_answer"] = text
        form_events = [
            {"event": "action", "name": "form_filling"},
            {"event": "slot", "name": "fill_answer", "value": text},
        ]
        said, _ = await self._run(ValidateFormFilling(), _tracker(message, dict(self.slots), form_events))
        return said + await self._ask(message)

    async def finish(self, text: str = "/affirm", intent: str = "affirm") -> List[Dict[str, Any]]:
        message = user_event(text, intent, input_channel=self.channel)
        said, _ = await self._run(ActionFinishFilling(), _tracker(message, dict(self.slots)))
        return said

    @property
    def answers(self) -> Dict[str, Any]:
        return (self.slots["fill_state"] or {}).get("answers", {})


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("text") or "" for m in messages]


def last_question(messages: List[Dict[str, Any]]) -> str:
    return texts(messages)[-1]


async def through_the_applicant(chat: Chat) -> None:
    """Petiție: the name and a valid CNP, then the optional fields skipped."""
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    await chat.say(VALID_CNP)


async def test_the_questions_come_in_the_order_of_the_form_with_label_and_help() -> None:
    chat = Chat()
    first = await chat.open("Completați acum", form_entity("petitie"))
    assert "Completăm împreună cererea „Petiție”" in first[0]["text"]
    assert first[-1]["text"] == "1/13. Nume și prenume (obligatoriu)"
    assert [b["title"] for b in first[-1]["buttons"]] == ["Renunțați"]
    second = await chat.say("Ion Popescu")
    assert second[-1]["text"] == "2/13. CNP (obligatoriu)\n13 cifre, ca pe actul de identitate."
    third = await chat.say(VALID_CNP)
    assert third[-1]["text"].startswith("3/13. Act de identitate (serie și număr) (opțional;")
    assert [b["title"] for b in third[-1]["buttons"]] == ["Treceți peste", "Renunțați"]
    assert chat.answers == {"nume_prenume": "Ion Popescu", "cnp": VALID_CNP}


async def test_an_invalid_cnp_is_refused_with_the_validators_message_and_asked_again() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    refused = await chat.say(BAD_CHECK_DIGIT)
    assert texts(refused) == [
        "CNP: Cifra de control a CNP-ului (ultima cifră) nu este corectă; verificați CNP-ul.",
        "2/13. CNP (obligatoriu)\n13 cifre, ca pe actul de identitate.",
    ]
    assert "cnp" not in chat.answers
    short = await chat.say("12345")
    assert texts(short)[0] == "CNP: CNP-ul are 13 cifre, nu 5."
    accepted = await chat.say(f" {VALID_CNP[:6]} {VALID_CNP[6:]} ")
    assert chat.answers["cnp"] == VALID_CNP
    assert last_question(accepted).startswith("3/13. Act de identitate")


async def test_an_optional_field_is_skipped_and_a_required_one_is_not() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    refused = await chat.say("sari")
    assert texts(refused)[0] == "„Nume și prenume” este obligatoriu, nu îl putem sări."
    assert chat.answers == {}
    await chat.say("Ion Popescu")
    await chat.say(VALID_CNP)
    skipped = await chat.say("Treceți peste")
    assert chat.answers["act_identitate"] is None
    assert last_question(skipped).startswith("4/13. Domiciliul")


async def test_am_gresit_cnp_ul_asks_the_cnp_again_then_goes_on_where_it_was() -> None:
    chat = Chat()
    await through_the_applicant(chat)
    await chat.say("treceti peste")  # act de identitate
    again = await chat.say("am greșit CNP-ul")
    assert texts(again) == [
        "Bine, corectăm „CNP”.",
        "2/13. CNP (obligatoriu)\n13 cifre, ca pe actul de identitate.",
    ]
    assert "cnp" not in chat.answers and chat.answers["act_identitate"] is None
    back = await chat.say("2900202221149")
    assert chat.answers["cnp"] == "2900202221149"
    assert last_question(back).startswith("4/13. Domiciliul")


async def test_stop_keeps_the_answers_and_continua_completarea_resumes() -> None:
    chat = Chat()
    await through_the_applicant(chat)
    stopped = await chat.say("renunț", "deny")
    assert texts(stopped) == [
        "Am oprit completarea. Răspunsurile dumneavoastră rămân păstrate în această conversație: "
        "când doriți să continuați, scrieți „continuă completarea”."
    ]
    assert chat.ended and chat.slots["requested_slot"] is None
    assert await chat.finish("renunț", "deny") == []  # nothing sent, nothing forgotten
    assert chat.answers == {"nume_prenume": "Ion Popescu", "cnp": VALID_CNP}

    resumed = Chat()
    resumed.slots["fill_state"] = chat.slots["fill_state"]
    again = await resumed.open("continua completarea")
    assert texts(again) == [
        "Continuăm completarea cererii „Petiție” de unde am rămas (2 răspunsuri păstrate).",
        texts(again)[1],
    ]
    assert texts(again)[1].startswith("3/13. Act de identitate")


async def test_mai_tarziu_stops_too() -> None:
    chat = Chat()
    await through_the_applicant(chat)
    await chat.say("Mai târziu")
    assert chat.ended and chat.answers["cnp"] == VALID_CNP


async def fill_everything(chat: Chat) -> List[Dict[str, Any]]:
    await through_the_applicant(chat)
    for text in ("sari", "Str. Atomiștilor nr. 1, Măgurele", "sari", "0721 234 567", "sari"):
        await chat.say(text)
    await chat.say("Zgomot noaptea")
    await chat.say("Vecinul face zgomot după ora 22.")
    await chat.say("nu")
    await chat.say("da")
    refused = await chat.say("nu")  # the declaration is required
    assert texts(refused)[0].startswith("Fără această declarație cererea nu poate fi depusă.")
    await chat.say("da")
    bad_date = await chat.say("31.02.2026")
    assert texts(bad_date)[0] == "Data: Data 31.02.2026 nu există în calendar."
    return await chat.say("1.12.2026")


async def test_the_summary_lists_every_answer_and_asks_to_confirm() -> None:
    chat = Chat()
    summary = await fill_everything(chat)
    text = summary[-1]["text"]
    assert text.startswith(
        "Verificați datele cererii „Petiție”:\n• Nume și prenume: Ion Popescu\n• CNP: 1800101221144\n"
    )
    assert "• Act de identitate (serie și număr): necompletat" in text
    assert "• Telefon: 0721234567" in text
    assert "• Petiția este adresată Consiliului Local: nu" in text
    assert "• Doresc răspunsul pe e-mail: da" in text
    assert "• Data: 01.12.2026" in text
    assert "Semnătura" not in text
    assert [b["title"] for b in summary[-1]["buttons"]] == ["Confirmați", "Corectați", "Renunțați"]
    assert not chat.ended

    denied = await chat.say("/deny", "deny")
    assert texts(denied)[0].startswith("Ce doriți să corectați?")
    fixed = await chat.say("vreau sa corectez telefonul")
    assert last_question(fixed).startswith("6/13. Telefon")
    back = await chat.say("021 457 40 91")
    assert back[-1]["text"].startswith("Verificați datele cererii")
    assert "• Telefon: 0214574091" in back[-1]["text"]


async def test_confirming_sends_the_payload_on_the_website_and_clears_the_answers() -> None:
    chat = Chat()
    await fill_everything(chat)
    confirmed = await chat.say("/affirm", "affirm")
    assert confirmed == [] and chat.ended
    sent = await chat.finish()
    payload = sent[-1]["custom"]
    assert payload == {
        "filled_form": {
            "form_id": "petitie",
            "values": {
                "nume_prenume": "Ion Popescu",
                "cnp": VALID_CNP,
                "domiciliu": "Str. Atomiștilor nr. 1, Măgurele",
                "telefon": "0721234567",
                "subiect": "Zgomot noaptea",
                "continut": "Vecinul face zgomot după ora 22.",
                "adresata_consiliului": False,
                "raspuns_email": True,
                "declaratie_corectitudine": True,
                "data_cererii": "01.12.2026",
            },
        }
    }
    assert chat.slots["fill_state"] is None


async def test_on_rest_the_summary_and_the_form_page_are_sent_instead() -> None:
    chat = Chat(channel="rest")
    await fill_everything(chat)
    await chat.say("da", "affirm")
    (sent,) = await chat.finish("da")
    assert not sent["custom"]
    assert sent["text"].startswith("Verificați datele cererii „Petiție”:\n• Nume și prenume: Ion Popescu")
    assert sent["buttons"][0]["url"] == "/formulare/petitie"


async def test_no_form_named_asks_which_then_takes_it_from_the_answer() -> None:
    chat = Chat()
    asked = await chat.open("vreau sa completez o cerere")
    assert texts(asked) == [
        "Ce cerere doriți să completați? Scrieți numele ei, de exemplu „petiție” sau "
        "„certificat de urbanism”, sau scrieți „renunț”."
    ]
    unknown = await chat.say("pasaport")
    assert texts(unknown)[0].startswith("Nu am găsit această cerere în catalogul primăriei.")
    started = await chat.say("petitie", "fill_form", form_entity("petitie"))
    assert last_question(started) == "1/13. Nume și prenume (obligatoriu)"
    assert chat.slots["form"] == "petitie"


async def test_a_button_of_another_topic_stops_the_filling_and_keeps_the_answers() -> None:
    chat = Chat()
    await through_the_applicant(chat)
    said = await chat.say("/request_human", "request_human")
    assert texts(said)[0].startswith("Am oprit completarea.")
    assert chat.ended and chat.answers["nume_prenume"] == "Ion Popescu"
    handed = await chat.finish("/request_human", "request_human")
    # The clerk is asked for, with the form being filled as the topic.
    assert [m["custom"] for m in handed] == [
        {"handoff": {"action": "request", "form": "petitie", "intent": "request_human"}}
    ]


@pytest.mark.parametrize(
    "text, field",
    [("am gresit numele", "nume_prenume"), ("am greșit adresa", "domiciliu"), ("am gresit emailul", "email")],
)
async def test_a_correction_names_its_field_as_citizens_write_it(text: str, field: Optional[str]) -> None:
    chat = Chat()
    await through_the_applicant(chat)
    for answer in ("sari", "Str. Fizicienilor 3", "sari", "sari", "ion@exemplu.ro"):
        await chat.say(answer)
    await chat.say(text)
    assert field not in chat.answers


async def test_a_long_answer_that_starts_like_a_correction_is_an_answer() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Schimb de locuință propus de vecinul meu de la etajul doi")
    assert chat.answers == {"nume_prenume": "Schimb de locuință propus de vecinul meu de la etajul doi"}


async def test_a_correction_that_names_no_field_asks_which(no_database: Path) -> None:
    chat = Chat()
    await through_the_applicant(chat)
    said = await chat.say("am gresit ceva")
    assert texts(said)[0].startswith("Ce doriți să corectați?")
    assert chat.answers == {"nume_prenume": "Ion Popescu", "cnp": VALID_CNP}
    assert not no_database.exists()


BACK = "Revenim la completarea cererii."
CNP_QUESTION = "2/13. CNP (obligatoriu)\n13 cifre, ca pe actul de identitate."


async def test_a_question_about_the_fee_mid_form_is_answered_then_the_same_field_asked_again() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    said = await chat.say("cat costa petitia", "ask_procedure_fee")
    assert texts(said) == [
        "Taxe: Sursele consultate nu menționează o taxă.\n"
        "⚠ Neconfirmat pentru Primăria Măgurele — verificați la ghișeu.",
        BACK,
        CNP_QUESTION,
    ]
    assert chat.answers == {"nume_prenume": "Ion Popescu"} and not chat.ended
    await chat.say(VALID_CNP)
    assert chat.answers["cnp"] == VALID_CNP


async def test_a_question_about_another_form_is_answered_from_that_forms_card() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    said = await chat.say(
        "ce acte trebuie pentru certificatul de urbanism", "ask_procedure_documents",
        form_entity("certificat_urbanism"),
    )  # fmt: skip
    assert texts(said)[0].startswith("Acte necesare — Certificat de urbanism")
    assert texts(said)[1:] == [BACK, CNP_QUESTION]


@pytest.mark.parametrize(
    "text, intent, starts",
    [
        ("care e programul?", "ask_schedule", "Programul cu publicul este"),
        ("care e adresa de email a primariei", "ask_contact", "Registratură și Relații cu Publicul:"),
    ],
)
async def test_other_questions_mid_form_are_answered_and_the_form_goes_on(
    text: str, intent: str, starts: str
) -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    said = await chat.say(text, intent)
    assert texts(said)[0].startswith(starts), texts(said)
    assert texts(said)[-2:] == [BACK, CNP_QUESTION]
    assert chat.answers == {"nume_prenume": "Ion Popescu"}


async def test_are_you_a_bot_mid_form_gets_the_domains_answer_then_the_field() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    said = await chat.say("esti robot?", "bot_challenge")
    assert said[0].get("response") == "utter_iamabot"
    assert texts(said)[1:] == [BACK, CNP_QUESTION]


async def test_a_works_question_mid_form_gets_the_redirect_and_the_form_goes_on() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    said = await chat.say("cand se asfalteaza strada mea?", "out_of_scope_infrastructure")
    assert "@" in texts(said)[0] and texts(said)[-2:] == [BACK, CNP_QUESTION]


async def test_a_plausible_answer_stays_an_answer_whatever_the_nlu_says() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    # A name the NLU takes for a question is still a valid name.
    await chat.say("Ion Contact", "ask_contact")
    assert chat.answers == {"nume_prenume": "Ion Contact"}
    for answer in (VALID_CNP, "sari", "Str. Fizicienilor 3", "sari", "sari", "sari", "Canalizare"):
        await chat.say(answer)
    # The petition's own text is about works, and asks: it is the content, not a question.
    content = "De ce nu se repara canalizarea de pe strada Atomistilor?"
    await chat.say(content, "out_of_scope_infrastructure")
    assert chat.answers["continut"] == content


async def test_an_unsure_question_is_taken_as_an_answer_and_checked_as_one() -> None:
    chat = Chat()
    await chat.open("vreau sa completez o petitie", form_entity("petitie"))
    await chat.say("Ion Popescu")
    said = await chat.say("cat costa", "ask_procedure_fee", confidence=0.5)
    assert texts(said)[0].startswith("CNP: ") and texts(said)[-1] == CNP_QUESTION
    assert chat.answers == {"nume_prenume": "Ion Popescu"}


async def test_asking_for_a_person_in_words_stops_the_filling_and_hands_over() -> None:
    chat = Chat()
    await through_the_applicant(chat)
    said = await chat.say("vreau sa vorbesc cu un functionar", "request_human")
    assert texts(said)[0].startswith("Am oprit completarea.")
    assert chat.ended and chat.answers["cnp"] == VALID_CNP
    handed = await chat.finish("vreau sa vorbesc cu un functionar", "request_human")
    assert [m["custom"] for m in handed] == [
        {"handoff": {"action": "request", "form": "petitie", "intent": "request_human"}}
    ]


def test_the_answers_slot_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    chat = Chat()
    with caplog.at_level("DEBUG"):
        asyncio.run(through_the_applicant(chat))
    assert VALID_CNP not in caplog.text and "Ion Popescu" not in caplog.text


def test_the_form_has_its_validation_and_ask_actions_in_the_domain() -> None:
    assert DOMAIN["forms"]["form_filling"]["required_slots"] == ["fill_answer"]
    for name in ("validate_form_filling", "action_ask_fill_answer", "action_finish_filling"):
        assert name in DOMAIN["actions"]
