import datetime as dt
from pathlib import Path

import pytest

from actions.schedule import SCHEDULE_UNREADABLE, ActionAnswerSchedule, schedule_text
from tests.actions.helpers import run_action, tracker_after, user_event

UTC = dt.timezone.utc


def test_open_now_on_a_working_day() -> None:
    text = schedule_text(dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC))  # Thursday 12:00 in Bucharest
    assert "luni–joi 08:00–16:30, vineri 08:00–14:00" in text
    assert text.endswith("Acum este program.")


def test_closed_over_saint_andrew_and_national_day_reopens_on_wednesday() -> None:
    text = schedule_text(
        dt.datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    )  # Saturday; Mon 30 Nov and Tue 1 Dec are holidays
    assert "redeschidem miercuri, 2 decembrie, la ora 08:00" in text


def test_on_the_national_day_the_answer_names_it() -> None:
    text = schedule_text(dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert "Astăzi, 1 decembrie, Ziua Națională a României, primăria este închisă; redeschidem" in text
    assert "Acum nu este program" not in text


async def test_broken_schedule_file_still_gets_an_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "schedule.yml"
    broken.write_text("weekly: [this is not a schedule\n")
    monkeypatch.setenv("HANDOFF_SCHEDULE", str(broken))
    messages, _ = await run_action(
        ActionAnswerSchedule(), tracker_after(user_event("program?", "ask_schedule"))
    )
    assert [m["text"] for m in messages] == [SCHEDULE_UNREADABLE]
