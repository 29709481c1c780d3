import pytest
from rasa_sdk.events import SlotSet

from actions.procedures import ASPECT_BY_INTENT, FULL_CARD, ActionAnswerProcedure
from forms_catalog import CATEGORIES, load_catalog
from tests.actions.helpers import form_entity, run_action, tracker_after, user_event


def ask(text, intent, *entities, slots=None):
    return tracker_after(user_event(text, intent, entities), slots=slots)


async def test_full_card_for_a_known_form_ends_with_pdf_buttons() -> None:
    tracker = ask("cum obtin certificatul de urbanism", "ask_procedure", form_entity("certificat_urbanism"))
    messages, events = await run_action(ActionAnswerProcedure(), tracker)
    card = load_catalog().card_sections("certificat_urbanism")
    assert [m["text"] for m in messages] == [card[s] for s in FULL_CARD]
    buttons = messages[-1]["buttons"]
    assert buttons[0]["url"].endswith("/formulare/certificat_urbanism.pdf")
    assert buttons[1]["payload"] == '/fill_form{"form": "certificat_urbanism"}'
    assert events == [SlotSet("form", "certificat_urbanism")]


@pytest.mark.parametrize("intent, aspect", sorted(ASPECT_BY_INTENT.items()))
async def test_finer_intents_answer_just_their_aspect(intent: str, aspect: str) -> None:
    tracker = ask("...", intent, form_entity("certificat_fiscal"))
    messages, _ = await run_action(ActionAnswerProcedure(), tracker)
    assert [m["text"] for m in messages] == [load_catalog().card_sections("certificat_fiscal")[aspect]]


async def test_follow_up_question_uses_the_form_discussed_before() -> None:
    tracker = ask("si cat costa?", "ask_procedure_fee", slots={"form": "casatorie"})
    messages, events = await run_action(ActionAnswerProcedure(), tracker)
    assert messages[0]["text"] == load_catalog().card_sections("casatorie")["fee"]
    assert events == [SlotSet("form", "casatorie")]


async def test_no_form_asks_which_one_with_category_buttons() -> None:
    messages, events = await run_action(
        ActionAnswerProcedure(), ask("ce acte trebuie?", "ask_procedure_documents")
    )
    (message,) = messages
    assert [b["title"] for b in message["buttons"]] == list(CATEGORIES.values())
    assert events == []


async def test_category_button_lists_its_forms_for_the_same_question() -> None:
    tracker = ask("/ask_procedure_fee", "ask_procedure_fee", {"entity": "category", "value": "stare_civila"})
    messages, _ = await run_action(ActionAnswerProcedure(), tracker)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    expected = {f.id for f in load_catalog().by_category()["stare_civila"]}
    assert {p.split('"form": "')[1].rstrip('"}') for p in payloads} == expected
    assert all(p.startswith("/ask_procedure_fee{") for p in payloads)


async def test_form_missing_from_the_catalog_offers_categories_and_a_person() -> None:
    tracker = ask("/ask_procedure", "ask_procedure", form_entity("pasaport"))
    messages, events = await run_action(ActionAnswerProcedure(), tracker)
    assert "Nu am această cerere" in messages[0]["text"]
    assert "/request_human" in [b["payload"] for b in messages[0]["buttons"]]
    assert events == [SlotSet("form", None)]


@pytest.mark.parametrize("form_id", sorted(load_catalog().forms))
async def test_every_form_card_renders_every_aspect(form_id: str) -> None:
    messages, _ = await run_action(ActionAnswerProcedure(), ask("?", "ask_procedure", form_entity(form_id)))
    assert len(messages) == len(FULL_CARD)
    for message in messages:
        assert message["text"].strip()
        assert "None" not in message["text"] and "{" not in message["text"]


# -- a procedure question that also asks about works (issue 15) -----------------------------


def _at(text: str, phrase: str, value: str) -> dict:
    start = text.index(phrase)
    return {"entity": "form", "value": value, "start": start, "end": start + len(phrase)}


async def test_the_works_part_of_a_documents_question_is_answered_too_without_an_infrastructure_score() -> (
    None
):
    """The classifier scores the message as a pure documents question (infrastructure 0.0)."""
    text = "ce acte trebuie pentru certificat de urbanism si cand asfaltati strada?"
    event = user_event(
        text,
        "ask_procedure_documents",
        [_at(text, "certificat de urbanism", "certificat_urbanism")],
        ranking={"out_of_scope_infrastructure": 0.0},
    )
    messages, events = await run_action(ActionAnswerProcedure(), tracker_after(event))
    assert messages[0]["text"] == load_catalog().card_sections("certificat_urbanism")["documents"]
    assert "drumuri@primariamagurele.ro" in messages[-1]["text"]
    assert messages[-1]["archive"]["redirect"]["mixed"] is True
    assert events == [SlotSet("form", "certificat_urbanism")]


@pytest.mark.parametrize(
    "text, phrase, form_id",
    [
        (
            "ce acte trebuie pentru autorizatia de construire la bransamentul de apa?",
            "autorizatia de construire",
            "autorizatie_construire",
        ),
        (
            "cat costa certificatul de urbanism pentru casa de pe strada Livezilor",
            "certificatul de urbanism",
            "certificat_urbanism",
        ),
        (
            "am nevoie de certificat de urbanism pentru casa si cat costa bransamentul la apa?",
            "certificat de urbanism",
            "certificat_urbanism",
        ),
    ],
)
async def test_a_procedure_question_that_only_mentions_water_or_a_street_gets_no_redirect(
    text: str, phrase: str, form_id: str
) -> None:
    event = user_event(
        text,
        "ask_procedure_documents",
        [_at(text, phrase, form_id)],
        ranking={"out_of_scope_infrastructure": 0.0},
    )
    messages, _ = await run_action(ActionAnswerProcedure(), tracker_after(event))
    assert all("archive" not in m for m in messages)
    assert all("@primariamagurele.ro" not in m["text"] for m in messages)


async def test_a_works_question_next_to_a_question_with_no_form_is_redirected_too() -> None:
    text = "ce acte trebuie? si cand vine apa curenta pe strada noastra?"
    event = user_event(text, "ask_procedure_documents", ranking={"out_of_scope_infrastructure": 0.0})
    messages, _ = await run_action(ActionAnswerProcedure(), tracker_after(event))
    assert messages[0]["buttons"], "first the question which form"
    assert "apacanal@primariamagurele.ro" in messages[-1]["text"]


async def test_where_to_submit_offers_filing_online_on_the_website_only() -> None:
    urbanism = form_entity("certificat_urbanism")
    website = ask("unde depun cererea de urbanism", "ask_procedure_submit", urbanism)
    (message,), _ = await run_action(ActionAnswerProcedure(), website)
    online = message["buttons"][-1]
    assert online["title"] == "Depuneți online"
    assert online["url"] == f"/depunere/certificat_urbanism?c={website.sender_id}"
    rest = tracker_after(
        user_event("unde depun cererea", "ask_procedure_submit", [urbanism], input_channel="rest")
    )
    (message,), _ = await run_action(ActionAnswerProcedure(), rest)
    assert "Depuneți online" not in [b["title"] for b in message["buttons"]]
    (message,), _ = await run_action(ActionAnswerProcedure(), ask("cat costa", "ask_procedure_fee", urbanism))
    assert "Depuneți online" not in [b["title"] for b in message["buttons"]]
