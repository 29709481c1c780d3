from actions.contacts import registratura
from actions.handoff import ActionRequestHuman
from actions.scope import redirect_department
from tests.actions.helpers import run_action, tracker_after, user_event


async def test_request_with_no_clerk_present_gives_hours_and_the_email_route(handoff_db) -> None:
    tracker = tracker_after(user_event("vreau sa vorbesc cu un om", "request_human"))
    messages, events = await run_action(ActionRequestHuman(), tracker)
    (message,) = messages
    assert registratura().email in message["text"]
    assert message["buttons"][0]["url"].startswith(f"mailto:{registratura().email}")
    assert events == []


async def test_infrastructure_question_is_never_handed_to_a_clerk(handoff_db) -> None:
    infra = "de 10 ani asteptam canalizare in Dumitrana"
    tracker = tracker_after(user_event(infra, "out_of_scope_infrastructure"), user_event("vreau cu un om", "request_human"))
    messages, _ = await run_action(ActionRequestHuman(), tracker)
    (message,) = messages
    assert "nu vă poate răspunde despre lucrări" in message["text"]
    assert redirect_department(infra).email in message["text"]
    assert not message.get("custom")  # no enqueue request for the channel
