"""Working hours: the default file, DST changes, holidays, the minute of closing."""

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from livechat.schedule import (
    DEFAULT_SCHEDULE_PATH,
    ScheduleError,
    current_schedule,
    format_moment,
    load_schedule,
    schedule_from_dict,
)

BUCHAREST = ZoneInfo("Europe/Bucharest")
UTC = dt.timezone.utc


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BUCHAREST)


@pytest.fixture(scope="module")
def schedule():
    return load_schedule(DEFAULT_SCHEDULE_PATH)


def test_default_file_has_the_city_hall_hours(schedule):
    assert schedule.describe_week() == "luni–joi 08:00–16:30, vineri 08:00–14:00"
    assert schedule.timezone.key == "Europe/Bucharest"
    assert schedule.public_holidays == "RO"


@pytest.mark.parametrize(
    "moment, is_open",
    [
        (local(2025, 11, 27, 7, 59, 59), False),  # Thursday, a second before opening
        (local(2025, 11, 27, 8, 0), True),
        (local(2025, 11, 27, 16, 29, 59), True),
        (local(2025, 11, 27, 16, 30), False),  # the minute of closing is closed
        (local(2025, 11, 28, 13, 59), True),  # Friday closes at 14:00
        (local(2025, 11, 28, 14, 0), False),
        (local(2025, 11, 28, 15, 0), False),
        (local(2025, 11, 29, 10, 0), False),  # Saturday
        (local(2025, 11, 30, 10, 0), False),  # Sunday (and Sfântul Andrei)
    ],
)
def test_open_and_closed_instants(schedule, moment, is_open):
    assert schedule.is_open(moment) is is_open


def test_romanian_public_holidays_are_closed(schedule):
    # 1 December 2025 is a Monday: Ziua Națională.
    assert not schedule.is_open(local(2025, 12, 1, 10, 0))
    assert schedule.holiday_name(dt.date(2025, 12, 1)) == "Ziua Națională a României"
    # Orthodox Good Friday and Easter Monday 2025 (18 and 21 April).
    assert not schedule.is_open(local(2025, 4, 18, 10, 0))
    assert not schedule.is_open(local(2025, 4, 21, 10, 0))
    # 6 and 7 January (Boboteaza, Sfântul Ion) are public holidays since 2024.
    assert not schedule.is_open(local(2026, 1, 6, 10, 0))
    assert not schedule.is_open(local(2026, 1, 7, 10, 0))
    assert schedule.is_open(local(2026, 1, 8, 10, 0))


def test_next_opening_skips_weekend_and_holiday(schedule):
    # Friday 28 Nov 2025 after 14:00 -> Monday 1 Dec is a holiday -> Tuesday 08:00.
    opening = schedule.next_opening(local(2025, 11, 28, 14, 0))
    assert opening == local(2025, 12, 2, 8, 0)
    assert opening.utcoffset() == dt.timedelta(hours=2)


def test_next_opening_when_open_is_now(schedule):
    now = local(2025, 11, 27, 9, 15)
    assert schedule.next_opening(now) == now
    assert schedule.closes_at(now) == local(2025, 11, 27, 16, 30)
    assert schedule.closes_at(local(2025, 11, 27, 17, 0)) is None


def test_next_opening_before_opening_is_same_day(schedule):
    assert schedule.next_opening(local(2025, 11, 27, 6, 0)) == local(2025, 11, 27, 8, 0)


def test_spring_dst_change_keeps_wall_clock_hours(schedule):
    # Clocks go 03:00 -> 04:00 on Sunday 30 March 2025. Monday opens at 08:00 EEST = 05:00 UTC.
    friday_evening = dt.datetime(2025, 3, 28, 16, 0, tzinfo=UTC)
    opening = schedule.next_opening(friday_evening)
    assert opening.astimezone(UTC) == dt.datetime(2025, 3, 31, 5, 0, tzinfo=UTC)
    assert (opening.hour, opening.minute) == (8, 0)
    assert schedule.is_open(dt.datetime(2025, 3, 31, 5, 0, tzinfo=UTC))
    assert not schedule.is_open(dt.datetime(2025, 3, 31, 4, 59, tzinfo=UTC))
    # Closing at 16:30 EEST = 13:30 UTC; the Thursday before, in winter time, at 14:30 UTC.
    assert not schedule.is_open(dt.datetime(2025, 3, 31, 13, 30, tzinfo=UTC))
    assert schedule.is_open(dt.datetime(2025, 3, 27, 14, 29, tzinfo=UTC))


def test_autumn_dst_change_keeps_wall_clock_hours(schedule):
    # Clocks go 04:00 -> 03:00 on Sunday 26 October 2025. Monday opens at 08:00 EET = 06:00 UTC.
    opening = schedule.next_opening(dt.datetime(2025, 10, 24, 12, 0, tzinfo=UTC))
    assert opening.astimezone(UTC) == dt.datetime(2025, 10, 27, 6, 0, tzinfo=UTC)
    assert not schedule.is_open(dt.datetime(2025, 10, 27, 5, 30, tzinfo=UTC))  # 07:30 local


def test_interval_inside_the_dst_gap_and_overlap():
    # A (hypothetical) Sunday night shift across both changes stays well defined.
    schedule = schedule_from_dict({"weekly": {"sunday": ["03:30-05:00"]}, "public_holidays": None}, "test")
    # 03:30 does not exist on 30 March 2025 (03:00 -> 04:00): read with the winter offset,
    # it is 04:30 summer time, still inside the interval.
    spring = schedule.next_opening(local(2025, 3, 29, 12, 0))
    assert spring.astimezone(UTC) == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert (spring.hour, spring.minute) == (4, 30)
    assert schedule.is_open(spring) and schedule.closes_at(spring).hour == 5
    # 03:30 happens twice on 26 October 2025: the first one counts.
    autumn = schedule.next_opening(local(2025, 10, 25, 12, 0))
    assert autumn.astimezone(UTC) == dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(schedule):
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule.is_open(dt.datetime(2025, 11, 27, 10, 0))


def test_extra_closed_dates_and_whole_day_intervals():
    schedule = schedule_from_dict(
        {
            "weekly": {day: ["00:00-24:00"] for day in ("monday", "tuesday")},
            "public_holidays": None,
            "closed_dates": ["2025-12-02"],
        },
        "test",
    )
    assert schedule.is_open(local(2025, 12, 1, 23, 59))
    assert not schedule.is_open(local(2025, 12, 2, 12, 0))
    assert schedule.closure_reason(dt.date(2025, 12, 2)) == "zi liberă"
    assert schedule.next_opening(local(2025, 12, 2, 12, 0)) == local(2025, 12, 8, 0, 0)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"weekly": {"monday": ["16:30-08:00"]}}, "ends before it starts"),
        ({"weekly": {"monday": ["8-16"]}}, "not a time HH:MM"),
        ({"weekly": {"lunes": ["08:00-16:00"]}}, "'lunes' is not one of"),
        ({"weekly": {"monday": ["08:00-12:00", "11:00-13:00"]}}, "intervals overlap"),
        ({"weekly": {}, "timezone": "Europe/Magurele"}, "unknown zone"),
        ({"weekly": {}, "public_holidays": "XX"}, "unknown country code"),
        ({"weekly": {}, "closed_dates": ["31.12.2025"]}, "not a date"),
        ({"weekly": {}, "hours": 1}, "unknown setting"),
        ({}, "weekly"),
    ],
)
def test_malformed_files_name_the_key(data, message):
    with pytest.raises(ScheduleError, match=message):
        schedule_from_dict(data, "schedule.yml")


def test_a_schedule_that_never_opens_says_so():
    schedule = schedule_from_dict({"weekly": {}, "public_holidays": None}, "test")
    with pytest.raises(ScheduleError, match="no opening"):
        schedule.next_opening(local(2025, 12, 1, 9, 0))


def test_current_schedule_follows_file_changes(tmp_path: Path):
    path = tmp_path / "schedule.yml"
    path.write_text("weekly: {monday: ['08:00-09:00']}\npublic_holidays: null\n")
    assert current_schedule(path).is_open(local(2025, 12, 1, 8, 30))
    path.write_text("weekly: {}\npublic_holidays: null\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert not current_schedule(path).is_open(local(2025, 12, 1, 8, 30))


def test_missing_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ScheduleError, match="cannot read the schedule file"):
        current_schedule(tmp_path / "absent.yml")


def test_format_moment_in_romanian():
    now = local(2025, 11, 28, 15, 0)
    assert format_moment(local(2025, 11, 28, 16, 0), now) == "azi la ora 16:00"
    assert format_moment(local(2025, 11, 29, 8, 0), now) == "mâine (sâmbătă, 29 noiembrie) la ora 08:00"
    assert format_moment(local(2025, 12, 2, 8, 0), now) == "marți, 2 decembrie, la ora 08:00"
    assert format_moment(local(2026, 1, 8, 8, 0), now) == "joi, 8 ianuarie 2026, la ora 08:00"
