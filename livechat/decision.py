"""Whether a request for a person is queued, and what the citizen reads otherwise.

Pure functions: no database, no Rasa. The website channel's service feeds them the
schedule, the number of active clerks and the conversation's state; the action server
uses the texts on channels without a live chat (REST).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Dict, Optional

from forms_catalog import load_catalog
from livechat.protocol import CLERK, QUEUED
from livechat.schedule import Schedule, format_moment

QUEUE = "queue"
CLOSED_HOURS = "closed"
NO_CLERK = "no_clerk"
ALREADY_QUEUED = "already_queued"
WITH_CLERK = "with_clerk"


@dataclass(frozen=True)
class Decision:
    """The outcome of a request for a person.

    Attributes:
        outcome: ``queue`` or why not (``closed``, ``no_clerk``, ``already_queued``,
            ``with_clerk``).
        now: when it was decided.
        next_opening: when clerks answer next (None when open now).
        active_clerks: clerks active when it was decided.
        hours: the weekly hours in Romanian.
        closed_today: why the whole day is closed (a holiday, a closure, a day without
            hours), as the citizen reads it; None on a day with hours.
    """

    outcome: str
    now: dt.datetime
    next_opening: Optional[dt.datetime]
    active_clerks: int
    hours: str
    closed_today: Optional[str] = None

    @property
    def queue(self) -> bool:
        return self.outcome == QUEUE


def decide_for(
    now: dt.datetime, schedule: Schedule, active_clerks: int, state: Optional[str] = None
) -> Decision:
    """Queue within working hours when at least one clerk is active; otherwise say why."""
    is_open = schedule.is_open(now)
    if state == QUEUED:
        outcome = ALREADY_QUEUED
    elif state == CLERK:
        outcome = WITH_CLERK
    elif not is_open:
        outcome = CLOSED_HOURS
    elif active_clerks < 1:
        outcome = NO_CLERK
    else:
        outcome = QUEUE
    return Decision(
        outcome=outcome,
        now=now,
        next_opening=None if is_open else schedule.next_opening(now),
        active_clerks=active_clerks,
        hours=schedule.describe_week(),
        closed_today=schedule.closed_day_text(now.astimezone(schedule.timezone).date()),
    )


def unavailable_text(decision: Decision, email: str) -> str:
    """What the bot says when the request is not queued (Romanian, for the citizen)."""
    alternative = (
        f"Ne puteți scrie oricând la {email} sau puteți depune cererea la registratura "
        "primăriei. Până atunci vă ajut eu cu ce știu: întrebați-mă despre acte, taxe și "
        "formulare."
    )
    if decision.outcome == CLOSED_HOURS:
        assert decision.next_opening is not None
        now_text = decision.closed_today or "Acum nu este program."
        return (
            f"Funcționarii de la Relații cu Publicul răspund în chat {decision.hours}, "
            f"mai puțin în zilele de sărbătoare legală. {now_text} Puteți vorbi "
            f"cu un funcționar {format_moment(decision.next_opening, decision.now)}. " + alternative
        )
    if decision.outcome == NO_CLERK:
        return (
            "În acest moment niciun funcționar de la Relații cu Publicul nu este disponibil "
            "în chat. Încercați din nou puțin mai târziu. " + alternative
        )
    if decision.outcome == ALREADY_QUEUED:
        return "Sunteți deja în așteptare; un funcționar vă va răspunde în curând."
    if decision.outcome == WITH_CLERK:
        return "Vorbiți deja cu un funcționar."
    raise ValueError(f"the request is queued, there is nothing to explain ({decision.outcome})")


def closing_text(
    next_opening: dt.datetime, now: dt.datetime, email: str, closed_today: Optional[str] = None
) -> str:
    """What a citizen still waiting in the queue reads when the program ends, or when the
    queue is found outside the hours on a day without any (``closed_today`` says why)."""
    if closed_today:
        why = f"Ne pare rău, nu vă putem prelua. {closed_today} "
    else:
        why = "Ne pare rău, programul funcționarilor s-a încheiat înainte să vă putem prelua. "
    return (
        why + f"Puteți reveni {format_moment(next_opening, now)} sau ne puteți scrie la {email}. "
        "Conversația continuă cu asistentul virtual."
    )


def wait_estimate_minutes(position: int, active_clerks: int, minutes_per_conversation: int) -> int:
    """Minutes until a clerk is likely free for the citizen at ``position`` (1 = next)."""
    if position < 1:
        return 0
    return max(1, -(-position * minutes_per_conversation // max(1, active_clerks)))


def registratura_email() -> str:
    """The general e-mail of the city hall, from forms_catalog/departments.yml."""
    return load_catalog().departments["registratura"].email


def mail_button(email: str) -> Dict[str, str]:
    """A button that opens the citizen's e-mail program on ``email``."""
    return {
        "title": f"Scrieți un e-mail: {email}",
        "type": "web_url",
        "url": f"mailto:{email}",
        "payload": f"mailto:{email}",
    }


def schedule_broken_text(email: str) -> str:
    """What the citizen reads when the schedule file cannot be read."""
    return (
        "Acum nu vă pot face legătura cu un funcționar. Ne puteți scrie la "
        f"{email} sau puteți depune cererea la registratura primăriei."
    )


def no_live_chat_text(schedule: Schedule, email: str) -> str:
    """What a citizen reads on a channel with no live chat (REST, another integration)."""
    return (
        "Pe acest canal nu vă pot face legătura cu un funcționar. Funcționarii de la "
        f"Relații cu Publicul răspund în chatul de pe site-ul primăriei {schedule.describe_week()}. "
        f"Ne puteți scrie oricând la {email} sau puteți depune cererea la registratura "
        "primăriei. Până atunci vă ajut eu cu ce știu: întrebați-mă despre acte, taxe și "
        "formulare."
    )
