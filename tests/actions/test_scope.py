from urllib.parse import unquote

import pytest

from actions.contacts import registratura
from actions.handoff import ActionRequestHuman
from actions.procedures import ActionAnswerProcedure
from actions.scope import ActionRedirectInfrastructure
from forms_catalog import load_catalog
from forms_catalog.redirects import redirect_department
from tests.actions.helpers import form_entity, run_action, tracker_after, user_event


def test_unknown_topic_goes_to_the_registratura() -> None:
    assert redirect_department("ce se intampla in oras?").id == registratura().id


async def test_redirect_names_the_department_and_links_a_prefilled_email() -> None:
    text = "cand se asfalteaza strada mea din Pruni?"
    department = redirect_department(text)
    messages, _ = await run_action(
        ActionRedirectInfrastructure(), tracker_after(user_event(text, "out_of_scope_infrastructure"))
    )
    (message,) = messages
    assert department.email in message["text"]
    link = message["buttons"][0]["url"]
    assert link.startswith(f"mailto:{department.email}?subject=")
    assert "Întrebare din livechat" in unquote(link)


def test_every_out_of_scope_department_has_an_email() -> None:
    for department in load_catalog().departments.values():
        assert "@" in department.email


async def test_infrastructure_question_naming_a_form_answers_the_form_then_redirects() -> None:
    text = "am nevoie de autorizatie de construire dar mai intai cand asfaltati strada?"
    tracker = tracker_after(
        user_event(text, "out_of_scope_infrastructure", [form_entity("autorizatie_construire")])
    )
    messages, events = await run_action(ActionRedirectInfrastructure(), tracker)
    card = load_catalog().card_sections("autorizatie_construire")
    assert [m["text"] for m in messages[:2]] == [card["summary"], card["documents"]]
    assert redirect_department(text).email in messages[-1]["text"]
    assert events[0]["value"] == "autorizatie_construire"


async def test_procedure_question_mixed_with_a_works_complaint_gets_both() -> None:
    text = "ce acte trebuie pentru certificatul fiscal? si cand repara cineva drumul?"
    event = user_event(
        text,
        "ask_procedure_documents",
        [form_entity("certificat_fiscal")],
        ranking={"out_of_scope_infrastructure": 0.35},
    )
    messages, _ = await run_action(ActionAnswerProcedure(), tracker_after(event))
    assert messages[0]["text"] == load_catalog().card_sections("certificat_fiscal")["documents"]
    assert messages[-1]["buttons"][0]["url"].startswith("mailto:")


async def test_plain_procedure_question_gets_no_redirect() -> None:
    event = user_event(
        "cat costa certificatul fiscal",
        "ask_procedure_fee",
        [form_entity("certificat_fiscal")],
        ranking={"out_of_scope_infrastructure": 0.05},
    )
    messages, _ = await run_action(ActionAnswerProcedure(), tracker_after(event))
    assert len(messages) == 1


async def test_asking_for_a_person_long_after_an_infrastructure_question_is_a_normal_request(
    no_database,
) -> None:
    tracker = tracker_after(
        user_event("strada e plina de gropi", "out_of_scope_infrastructure"),
        user_event("ok", "affirm"),
        user_event("ce acte trebuie la casatorie", "ask_procedure_documents"),
        user_event("vreau cu un om", "request_human"),
    )
    messages, _ = await run_action(ActionRequestHuman(), tracker)
    (message,) = messages
    assert message["custom"]["handoff"]["action"] == "request" and not message["text"]


def test_complaint_naming_an_in_scope_office_still_goes_to_the_works_department() -> None:
    catalog = load_catalog()
    for text in (
        "ce acte trebuie pentru certificatul de urbanism? si cand asfaltati strada?",
        "strada e plina de gropi, urbanism nu face nimic",
    ):
        department = redirect_department(text)
        assert not department.in_scope, text
        assert department.id == "drumuri"
    assert catalog.department_for_topic("urbanism", in_scope=True).id == "urbanism"


@pytest.mark.parametrize(
    "text, email",
    [
        ("s-a infundat canalizarea pe strada morii", "apacanal@primariamagurele.ro"),
        ("nu merge apa la mine pe strada de 2 zile", "apacanal@primariamagurele.ro"),
        ("nu arde becul de pe stalp pe strada mea", "iluminat@primariamagurele.ro"),
    ],
)
async def test_a_complaint_on_a_street_goes_to_the_department_of_the_problem(text: str, email: str) -> None:
    messages, _ = await run_action(
        ActionRedirectInfrastructure(), tracker_after(user_event(text, "out_of_scope_infrastructure"))
    )
    (message,) = messages
    assert email in message["text"]
    assert "drumuri@" not in message["text"]


# -- what the archive records with the redirect (issue 6) ----------------------------------


async def test_redirect_carries_the_flag_and_department_for_the_archive_only() -> None:
    import json

    text = "cand se asfalteaza strada mea din Pruni?"
    messages, _ = await run_action(
        ActionRedirectInfrastructure(), tracker_after(user_event(text, "out_of_scope_infrastructure"))
    )
    (message,) = messages
    assert message["archive"] == {
        "flags": ["out_of_scope"],
        "redirect": {"topic": "drumuri", "department": "Compartimentul Drumuri și Infrastructură Rutieră",
                     "email": "drumuri@primariamagurele.ro", "mixed": False},
    }  # fmt: skip
    # It crosses to the Rasa server as JSON, and is not part of what the citizen reads.
    assert json.loads(json.dumps(message))["archive"] == message["archive"]
    assert "out_of_scope" not in message["text"]


async def test_redirect_after_answering_a_form_is_archived_as_mixed() -> None:
    text = "am nevoie de autorizatie de construire dar mai intai cand asfaltati strada?"
    tracker = tracker_after(
        user_event(text, "out_of_scope_infrastructure", [form_entity("autorizatie_construire")])
    )
    messages, _ = await run_action(ActionRedirectInfrastructure(), tracker)
    assert all("archive" not in m for m in messages[:-1])  # the form's card is not a redirect
    redirect = messages[-1]["archive"]["redirect"]
    assert redirect["mixed"] is True and redirect["topic"] == "drumuri"


async def test_works_part_of_a_procedure_question_is_archived_as_a_mixed_redirect() -> None:
    text = "ce acte trebuie pentru certificatul fiscal? si cand repara cineva drumul?"
    event = user_event(
        text,
        "ask_procedure_documents",
        [form_entity("certificat_fiscal")],
        ranking={"out_of_scope_infrastructure": 0.35},
    )
    messages, _ = await run_action(ActionAnswerProcedure(), tracker_after(event))
    assert "archive" not in messages[0]
    assert messages[-1]["archive"]["flags"] == ["out_of_scope"]
    assert messages[-1]["archive"]["redirect"]["mixed"] is True


async def test_request_for_a_person_about_works_is_archived_as_a_redirect(no_database) -> None:
    infra = "vreau cu un om, de 10 ani asteptam canalizare in Dumitrana"
    tracker = tracker_after(user_event(infra, "request_human"))
    messages, _ = await run_action(ActionRequestHuman(), tracker)
    (message,) = [m for m in messages if m.get("archive")]
    assert message["archive"]["redirect"] == {
        "topic": "apa_canal", "department": "Apă și canalizare",
        "email": "apacanal@primariamagurele.ro", "mixed": False,
    }  # fmt: skip


async def test_on_the_website_a_works_complaint_can_be_sent_online_to_its_department() -> None:
    text = "e o groapa imensa pe strada Atomistilor"
    website = tracker_after(user_event(text, "out_of_scope_infrastructure"))
    (message,), _ = await run_action(ActionRedirectInfrastructure(), website)
    online = message["buttons"][-1]
    assert online["title"] == "Trimiteți sesizarea online"
    assert online["url"] == f"/depunere/petitie?c={website.sender_id}&d=drumuri"
    rest = tracker_after(user_event(text, "out_of_scope_infrastructure", input_channel="rest"))
    (message,), _ = await run_action(ActionRedirectInfrastructure(), rest)
    assert message["buttons"] and all(b["title"] != "Trimiteți sesizarea online" for b in message["buttons"])
