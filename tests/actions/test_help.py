from actions.contacts import registratura
from actions.help import (
    GOING_QUIET,
    REPHRASE,
    SECOND_FALLBACK,
    ActionHandleFallback,
    consecutive_fallbacks,
)
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


def misses(count: int, channel: str = "website"):
    return tracker_after(*[user_event(f"xq{i}", "nlu_fallback", input_channel=channel) for i in range(count)])


async def test_third_miss_in_a_row_says_it_will_no_longer_answer_each(no_database) -> None:
    messages, _ = await run_action(ActionHandleFallback(), misses(3))
    assert [m["text"] for m in messages] == [GOING_QUIET]


async def test_later_misses_in_a_row_are_left_unanswered(no_database) -> None:
    messages, _ = await run_action(ActionHandleFallback(), misses(4))
    # The website channel is told it is on purpose (no "technical problem" notice).
    assert [m["custom"] for m in messages] == [{"handoff": {"action": "quiet", "reason": "nlu_fallback"}}]
    messages, _ = await run_action(ActionHandleFallback(), misses(9, channel="rest"))
    assert messages == []
    # Once the latest six messages are mostly understood, a miss is answered again.
    tracker = tracker_after(
        *[user_event(f"xq{i}", "nlu_fallback") for i in range(5)],
        *[user_event("program?", "ask_schedule") for _ in range(5)],
        user_event("qqq", "nlu_fallback"),
    )
    messages, _ = await run_action(ActionHandleFallback(), tracker)
    assert messages[0]["text"] == REPHRASE


async def test_nonsense_the_nlu_reads_as_a_greeting_does_not_restart_the_count(no_database) -> None:
    tracker = tracker_after(
        user_event("qq", "nlu_fallback"), user_event("ww", "nlu_fallback"),
        user_event("asdfgh", "affirm"), user_event("ee", "nlu_fallback"),
        user_event("hgfd sa", "greet"), user_event("rr", "nlu_fallback"),
    )  # fmt: skip
    messages, _ = await run_action(ActionHandleFallback(), tracker)
    assert messages[0]["custom"]["handoff"]["action"] == "quiet"
