"""Working hours of the live chat: weekly intervals, Romanian public holidays, closures.

The schedule is a YAML file (``livechat/schedule.yml`` by default, another one with the
``HANDOFF_SCHEDULE`` environment variable). All times are wall-clock times in the file's
timezone (Europe/Bucharest), so an interval "08:00-16:30" means 08:00 local time in winter
and in summer alike; the instants passed in must be timezone-aware.

Typical use::

    from livechat.schedule import current_schedule
    schedule = current_schedule()
    if not schedule.is_open(now):
        opening = schedule.next_opening(now)
"""

import datetime as dt
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULT_SCHEDULE_PATH = Path(__file__).with_name("schedule.yml")
SCHEDULE_ENV = "HANDOFF_SCHEDULE"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS_RO = ("luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică")
MONTHS_RO = (
    "ianuarie", "februarie", "martie", "aprilie", "mai", "iunie",
    "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie",
)  # fmt: skip

# Words the ``holidays`` library spells without diacritics, and cedillas (ş ţ) for the
# comma-below letters (ș ț) Romanian is written with.
_SPELLING = {"Sfantul": "Sfântul", "Intai": "Întâi", "ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"}
_SPELLING_RE = re.compile("|".join(_SPELLING))

# How far ahead next_opening() looks before it decides the schedule never opens.
_SEARCH_DAYS = 400

Interval = Tuple[int, int]  # minutes since local midnight: [start, end)


class ScheduleError(ValueError):
    """The schedule file is missing or malformed; the message names the file and the key."""


def _require_aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is needed, got naive {at.isoformat()}")


def _parse_clock(text: str, source: str, key: str) -> int:
    try:
        hours, minutes = text.strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ScheduleError(f"{source}: {key}: '{text}' is not a time HH:MM") from None
    if not 0 <= int(minutes) < 60 or not 0 <= value <= 24 * 60:
        raise ScheduleError(f"{source}: {key}: '{text}' is not a time between 00:00 and 24:00")
    return value


def _parse_interval(text: Any, source: str, key: str) -> Interval:
    if not isinstance(text, str) or text.count("-") != 1:
        raise ScheduleError(f"{source}: {key}: '{text}' is not an interval HH:MM-HH:MM")
    start_text, end_text = text.split("-")
    start = _parse_clock(start_text, source, key)
    end = _parse_clock(end_text, source, key)
    if start >= end:
        raise ScheduleError(f"{source}: {key}: '{text}' ends before it starts")
    return start, end


def _format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Schedule:
    """Opening hours of the live chat.

    Attributes:
        timezone: the zone wall-clock intervals are read in.
        weekly: for each weekday (0 = Monday) its intervals, minutes since midnight.
        public_holidays: ``holidays`` country code whose public holidays are closed, or None.
        closed_dates: extra closed days.
        minutes_per_conversation: average handling time, for the waiting estimate.
    """

    timezone: ZoneInfo
    weekly: Mapping[int, Tuple[Interval, ...]]
    public_holidays: Optional[str] = "RO"
    closed_dates: FrozenSet[dt.date] = frozenset()
    minutes_per_conversation: int = 5
    _holiday_cache: Dict[int, Dict[dt.date, str]] = field(default_factory=dict, compare=False, repr=False)

    # -- days -------------------------------------------------------------------------

    def holiday_name(self, day: dt.date) -> Optional[str]:
        """The Romanian name of the public holiday on ``day``, if it is one."""
        if self.public_holidays is None:
            return None
        if day.year not in self._holiday_cache:
            import holidays  # loaded on first use: the package is large

            calendar = holidays.country_holidays(self.public_holidays, years=day.year, language="ro")
            self._holiday_cache[day.year] = {
                date: _SPELLING_RE.sub(lambda match: _SPELLING[match.group(0)], name)
                for date, name in calendar.items()
            }
        return self._holiday_cache[day.year].get(day)

    def closure_reason(self, day: dt.date) -> Optional[str]:
        """Why ``day`` is closed although it is a weekday with hours, or None."""
        if day in self.closed_dates:
            return "zi liberă"
        return self.holiday_name(day)

    def closed_day_text(self, day: dt.date) -> Optional[str]:
        """Why the city hall is closed all of ``day``, as the citizen reads it on that day
        ("Astăzi, 1 decembrie, Ziua Națională a României, primăria este închisă."), or
        None when ``day`` has opening hours."""
        if self.intervals_on(day):
            return None
        date_text = f"{day.day} {MONTHS_RO[day.month - 1]}"
        reason = self.closure_reason(day)
        if reason is None:
            return f"Astăzi, {WEEKDAYS_RO[day.weekday()]} {date_text}, primăria este închisă."
        return f"Astăzi, {date_text}, {reason}, primăria este închisă."

    def intervals_on(self, day: dt.date) -> Tuple[Interval, ...]:
        """The opening intervals of ``day`` (none on holidays and closed dates)."""
        if self.closure_reason(day) is not None:
            return ()
        return tuple(self.weekly.get(day.weekday(), ()))

    # -- instants ---------------------------------------------------------------------

    def _local(self, at: dt.datetime) -> dt.datetime:
        _require_aware(at)
        return at.astimezone(self.timezone)

    def _at(self, day: dt.date, minutes: int) -> dt.datetime:
        """The instant of a wall-clock time; 24:00 is the next midnight.

        A wall-clock time skipped by the spring DST change (03:00-04:00 in Bucharest) is
        read with the winter offset, so 03:30 becomes 04:30 summer time; a time that
        happens twice in autumn is its first occurrence.
        """
        if minutes >= 24 * 60:
            day, minutes = day + dt.timedelta(days=1), minutes - 24 * 60
        naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
        return naive.replace(tzinfo=self.timezone).astimezone(dt.timezone.utc).astimezone(self.timezone)

    def _current_interval(self, at: dt.datetime) -> Optional[Tuple[dt.datetime, dt.datetime]]:
        local = self._local(at)
        for start, end in self.intervals_on(local.date()):
            opens, closes = self._at(local.date(), start), self._at(local.date(), end)
            if opens <= at < closes:
                return opens, closes
        return None

    def is_open(self, at: dt.datetime) -> bool:
        """Whether clerks answer at the instant ``at`` (the closing minute is closed)."""
        return self._current_interval(at) is not None

    def closes_at(self, at: dt.datetime) -> Optional[dt.datetime]:
        """When the interval ``at`` falls in ends, or None when closed at ``at``."""
        interval = self._current_interval(at)
        return interval[1] if interval else None

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """``at`` itself when open, otherwise the start of the next opening interval.

        Raises:
            ScheduleError: the schedule has no opening in the next 400 days.
        """
        if self.is_open(at):
            return at.astimezone(self.timezone)
        local_day = self._local(at).date()
        for offset in range(_SEARCH_DAYS):
            day = local_day + dt.timedelta(days=offset)
            for start, _end in self.intervals_on(day):
                opening = self._at(day, start)
                if opening > at:
                    return opening
        raise ScheduleError(f"the schedule has no opening in the {_SEARCH_DAYS} days after {at}")

    def describe_week(self) -> str:
        """The weekly hours in Romanian, e.g. "luni–joi 08:00–16:30, vineri 08:00–14:00"."""
        groups: List[Tuple[List[int], str]] = []
        for weekday in range(7):
            hours = ", ".join(
                f"{_format_clock(s)}–{_format_clock(e)}" for s, e in self.weekly.get(weekday, ())
            )
            if not hours:
                continue
            if groups and groups[-1][1] == hours and groups[-1][0][-1] == weekday - 1:
                groups[-1][0].append(weekday)
            else:
                groups.append(([weekday], hours))
        parts = []
        for days, hours in groups:
            names = WEEKDAYS_RO[days[0]]
            if len(days) > 1:
                names += f"–{WEEKDAYS_RO[days[-1]]}"
            parts.append(f"{names} {hours}")
        return ", ".join(parts) if parts else "niciun program stabilit"


def format_moment(moment: dt.datetime, now: dt.datetime) -> str:
    """``moment`` in Romanian relative to ``now``: "azi la ora 13:00",
    "mâine (marți, 2 decembrie) la ora 08:00", "luni, 8 decembrie, la ora 08:00"."""
    _require_aware(moment)
    _require_aware(now)
    local = moment.astimezone(moment.tzinfo)
    today = now.astimezone(moment.tzinfo).date()
    clock = f"{local.hour:02d}:{local.minute:02d}"
    date_text = f"{WEEKDAYS_RO[local.weekday()]}, {local.day} {MONTHS_RO[local.month - 1]}"
    if local.year != today.year:
        date_text += f" {local.year}"
    if local.date() == today:
        return f"azi la ora {clock}"
    if local.date() == today + dt.timedelta(days=1):
        return f"mâine ({date_text}) la ora {clock}"
    return f"{date_text}, la ora {clock}"


def schedule_from_dict(data: Mapping[str, Any], source: str = "schedule") -> Schedule:
    """Build a :class:`Schedule` from the parsed YAML; errors name ``source`` and the key."""
    if not isinstance(data, Mapping):
        raise ScheduleError(f"{source}: the file must be a mapping of settings")
    unknown = set(data) - {
        "timezone", "weekly", "public_holidays", "closed_dates", "minutes_per_conversation"
    }  # fmt: skip
    if unknown:
        raise ScheduleError(f"{source}: unknown setting(s) {sorted(unknown)}")
    zone_name = data.get("timezone", "Europe/Bucharest")
    try:
        timezone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{source}: timezone: unknown zone '{zone_name}'") from None

    weekly_data = data.get("weekly")
    if not isinstance(weekly_data, Mapping):
        raise ScheduleError(f"{source}: weekly: a mapping weekday -> list of intervals is needed")
    weekly: Dict[int, Tuple[Interval, ...]] = {}
    for name, intervals in weekly_data.items():
        if name not in WEEKDAYS:
            raise ScheduleError(f"{source}: weekly: '{name}' is not one of {', '.join(WEEKDAYS)}")
        if isinstance(intervals, str):
            intervals = [intervals]
        if not isinstance(intervals, list):
            raise ScheduleError(f"{source}: weekly.{name}: a list of intervals is needed")
        parsed = sorted(_parse_interval(item, source, f"weekly.{name}") for item in intervals)
        for (_, end), (start, _) in zip(parsed, parsed[1:]):
            if start < end:
                raise ScheduleError(f"{source}: weekly.{name}: intervals overlap")
        weekly[WEEKDAYS.index(name)] = tuple(parsed)

    country = data.get("public_holidays", "RO")
    if country is not None:
        import holidays

        if str(country) not in holidays.list_supported_countries():
            raise ScheduleError(f"{source}: public_holidays: unknown country code '{country}'")
        country = str(country)

    closed: List[dt.date] = []
    for item in data.get("closed_dates") or []:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            closed.append(item)
            continue
        try:
            closed.append(dt.date.fromisoformat(str(item)))
        except ValueError:
            raise ScheduleError(f"{source}: closed_dates: '{item}' is not a date YYYY-MM-DD") from None

    minutes = data.get("minutes_per_conversation", 5)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
        raise ScheduleError(f"{source}: minutes_per_conversation: a whole number ≥ 1 is needed")

    return Schedule(
        timezone=timezone,
        weekly=weekly,
        public_holidays=country,
        closed_dates=frozenset(closed),
        minutes_per_conversation=minutes,
    )


def load_schedule(path: Path) -> Schedule:
    """Read and validate a schedule file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ScheduleError(f"cannot read the schedule file {path}: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ScheduleError(f"{path}: not valid YAML: {error}") from None
    return schedule_from_dict(data, str(path))


def schedule_path() -> Path:
    """The schedule file in force: ``$HANDOFF_SCHEDULE`` or ``livechat/schedule.yml``."""
    return Path(os.environ.get(SCHEDULE_ENV) or DEFAULT_SCHEDULE_PATH)


_cache_lock = threading.Lock()
_cache: Dict[Path, Tuple[float, Schedule]] = {}


def current_schedule(path: Optional[Path] = None) -> Schedule:
    """The schedule of ``path`` (default :func:`schedule_path`), re-read when the file changes."""
    path = Path(path or schedule_path())
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as error:
        raise ScheduleError(f"cannot read the schedule file {path}: {error.strerror}") from None
    with _cache_lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    schedule = load_schedule(path)
    with _cache_lock:
        _cache[path] = (mtime, schedule)
    return schedule
