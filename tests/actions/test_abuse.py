import pytest

from actions.abuse import LAST_WARNING, ActionHandleInsult, insults_so_far, minutes_text, pause_minutes
from tests.actions.helpers import run_action, tracker_after, user_event


def insults(n: int):
    turns = [user_event("buna", "greet")] + [user_event(f"prost {i}", "insult") for i in range(n)]
    return tracker_after(*turns)


async def test_first_insult_gets_the_calm_warning() -> None:
    messages, events = await run_action(ActionHandleInsult(), insults(1))
    assert [m["response"] for m in messages] == ["utter_insult_warning"]
    assert events == []


async def test_second_insult_gets_a_last_warning_naming_the_pause() -> None:
    messages, _ = await run_action(ActionHandleInsult(), insults(2))
    assert [m["text"] for m in messages] == [LAST_WARNING.format(minutes="15 minute")]


async def test_third_insult_pauses_and_flags_the_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSULT_PAUSE_MINUTES", "20")
    messages, _ = await run_action(ActionHandleInsult(), insults(3))
    assert "suspendată pentru 20 de minute" in messages[0]["text"]
    assert messages[1]["custom"]["handoff"] == {
        "action": "pause",
        "minutes": 20,
        "reason": "insult",
        "flag": "limbaj_jignitor",
    }


def test_counts_insults_of_the_whole_conversation() -> None:
    assert insults_so_far(insults(4).events) == 4
    assert insults_so_far(insults(0).events) == 0


@pytest.mark.parametrize("raw", ["abc", "0", "-5"])
def test_bad_pause_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("INSULT_PAUSE_MINUTES", raw)
    with pytest.raises(ValueError, match="INSULT_PAUSE_MINUTES"):
        pause_minutes()


@pytest.mark.parametrize(
    "n, text",
    [
        (1, "un minut"),
        (2, "2 minute"),
        (15, "15 minute"),
        (20, "20 de minute"),
        (119, "119 minute"),
        (120, "120 de minute"),
    ],
)
def test_minutes_read_as_romanian(n: int, text: str) -> None:
    assert minutes_text(n) == text
