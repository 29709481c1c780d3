from actions.contacts import registratura
from actions.handoff import ActionRequestHuman
from forms_catalog.redirects import redirect_department
from tests.actions.helpers import run_action, tracker_after, user_event

WORKS = "e plina strada de gropi in Dumitrana, nu se mai poate circula"


async def test_on_the_website_the_channel_decides_and_no_database_is_opened(no_database) -> None:
    tracker = tracker_after(user_event("vreau sa vorbesc cu un om", "request_human"))
    messages, events = await run_action(ActionRequestHuman(), tracker)
    (message,) = messages
    assert message["custom"] == {"handoff": {"action": "request", "form": None, "intent": "request_human"}}
    assert not message["text"]
    assert events == []
    assert not no_database.exists()


async def test_over_rest_there_is_no_live_chat_the_email_route_is_given(no_database) -> None:
    tracker = tracker_after(user_event("vreau sa vorbesc cu un om", "request_human", input_channel="rest"))
    messages, _ = await run_action(ActionRequestHuman(), tracker)
    (message,) = messages
    assert "Pe acest canal nu vă pot face legătura cu un funcționar" in message["text"]
    assert registratura().email in message["text"]
    assert message["buttons"][0]["url"] == f"mailto:{registratura().email}"
    assert not no_database.exists()


async def test_a_request_for_a_person_about_works_gets_the_redirect(no_database) -> None:
    request = "vreau sa vorbesc cu cineva despre canalizarea de pe strada mea"
    tracker = tracker_after(user_event(request, "request_human"))
    messages, _ = await run_action(ActionRequestHuman(), tracker)
    (message,) = messages
    assert "nu vă poate răspunde despre lucrări" in message["text"]
    assert redirect_department(request).email in message["text"]
    assert not message.get("custom")  # no request for the channel


async def test_a_person_after_a_works_question_reaches_the_queue_with_the_hint(no_database) -> None:
    """Issue 15: the works refusal used to cover the next two turns, so a citizen with
    another need could not reach a clerk."""
    tracker = tracker_after(
        user_event(WORKS, "out_of_scope_infrastructure"),
        user_event("vreau sa vorbesc cu un om", "request_human"),
    )
    messages, _ = await run_action(ActionRequestHuman(), tracker)
    (message,) = messages
    request = message["custom"]["handoff"]
    assert request["action"] == "request" and request["works_question"] == WORKS
    assert not message["text"]
