from actions.contacts import registratura
from actions.help import REPHRASE, SECOND_FALLBACK, ActionHandleFallback, consecutive_fallbacks
from tests.actions.helpers import run_action, tracker_after, user_event


def test_counts_only_the_latest_fallbacks_in_a_row() -> None:
    events = tracker_after(
        user_event("nfksd", "nlu_fallback"),
        user_event("buna", "greet"),
        user_event("asdf", "nlu_fallback"),
        user_event("qwer", "nlu_fallback"),
    ).events
    assert consecutive_fallbacks(events) == 2
    assert consecutive_fallbacks([]) == 0


async def test_first_fallback_asks_to_rephrase_with_topics() -> None:
    tracker = tracker_after(user_event("buna", "greet"), user_event("xyz", "nlu_fallback"))
    messages, events = await run_action(ActionHandleFallback(), tracker)
    (message,) = messages
    assert message["text"] == REPHRASE
    assert "/request_human" not in [b["payload"] for b in message["buttons"]]
    assert len(message["buttons"]) >= 4
    assert events == []


async def test_second_fallback_in_a_row_asks_the_website_channel_for_a_person(no_database) -> None:
    tracker = tracker_after(user_event("xyz", "nlu_fallback"), user_event("abc", "nlu_fallback"))
    messages, _ = await run_action(ActionHandleFallback(), tracker)
    assert messages[0]["text"] == SECOND_FALLBACK
    assert messages[1]["custom"]["handoff"] == {"action": "request", "form": None, "intent": "nlu_fallback"}


async def test_second_fallback_in_a_row_over_rest_gives_the_email(no_database) -> None:
    tracker = tracker_after(
        user_event("xyz", "nlu_fallback", input_channel="rest"),
        user_event("abc", "nlu_fallback", input_channel="rest"),
    )
    messages, _ = await run_action(ActionHandleFallback(), tracker)
    assert messages[0]["text"] == SECOND_FALLBACK
    # REST has no live chat: the hours and the registratură e-mail.
    assert registratura().email in messages[1]["text"]
    assert messages[1]["buttons"][0]["url"].startswith("mailto:")
