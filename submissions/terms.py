"""The legal term of a filing and its due date.

Terms are counted in calendar days from the registration day in Europe/Bucharest; a term
that ends on a Saturday, Sunday or Romanian public holiday (the ``holidays`` library)
ends on the next working day. ``terms.yml`` names the term of each form and its legal
basis; a form it does not list has the default term of a petition (OG 27/2002).
"""

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Dict
from zoneinfo import ZoneInfo

import yaml

TIMEZONE = ZoneInfo("Europe/Bucharest")
TERMS_FILE = Path(__file__).with_name("terms.yml")


@dataclass(frozen=True)
class Term:
    days: int
    basis: str


@dataclass(frozen=True)
class Terms:
    default: Term
    forms: Dict[str, Term]

    def of(self, form_id: str) -> Term:
        return self.forms.get(form_id, self.default)


def _term(data: object, where: str) -> Term:
    if not isinstance(data, dict) or not isinstance(data.get("days"), int) or data["days"] < 1:
        raise ValueError(f"{TERMS_FILE}: {where}: needs days (a whole number ≥ 1) and basis")
    basis = data.get("basis")
    if not isinstance(basis, str) or not basis.strip():
        raise ValueError(f"{TERMS_FILE}: {where}: needs the legal basis (basis)")
    return Term(int(data["days"]), basis.strip())


@functools.lru_cache(maxsize=1)
def load_terms(path: Path = TERMS_FILE) -> Terms:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    forms = data.get("forms") or {}
    return Terms(_term(data.get("default"), "default"), {k: _term(v, k) for k, v in forms.items()})


@functools.lru_cache(maxsize=8)
def _holidays(year: int) -> Dict[dt.date, str]:
    import holidays  # large: loaded on first use

    return dict(holidays.country_holidays("RO", years=year, language="ro").items())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def local_date(at: dt.datetime) -> dt.date:
    """The calendar day of an aware moment in Europe/Bucharest."""
    if at.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return at.astimezone(TIMEZONE).date()


def due_date(filed_at: dt.datetime, days: int) -> dt.date:
    """The last day of a term of ``days`` calendar days from the filing's local day."""
    day = local_date(filed_at) + dt.timedelta(days=days)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def next_working_day(at: dt.datetime) -> dt.date:
    """The first working day after the local day of ``at``."""
    day = local_date(at) + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day
