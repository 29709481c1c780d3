"""Working hours, read from the live chat's schedule file (livechat/schedule.yml), so there
is one source of truth."""

import datetime as dt
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from livechat.schedule import ScheduleError, current_schedule, format_moment

SCHEDULE_UNREADABLE = (
    "Programul cu publicul nu îl pot afișa acum. Vă rugăm să îl verificați la telefon sau la "
    "registratura primăriei, Strada Călugăreni nr. 2-4."
)


def schedule_text(now: Optional[dt.datetime] = None) -> Text:
    """The weekly hours, whether the city hall is open now and, if not, when it opens."""
    now = now or dt.datetime.now(dt.timezone.utc)
    schedule = current_schedule()
    text = (
        f"Programul cu publicul este {schedule.describe_week()}; în zilele de sărbătoare "
        "legală primăria este închisă."
    )
    if schedule.is_open(now):
        return text + " Acum este program."
    closed_today = schedule.closed_day_text(now.astimezone(schedule.timezone).date())
    now_text = closed_today[:-1] if closed_today else "Acum nu este program"
    return text + f" {now_text}; redeschidem {format_moment(schedule.next_opening(now), now)}."


def schedule_answer() -> Text:
    """:func:`schedule_text`, or where to ask when the schedule file cannot be read: a broken
    file must not leave the citizen without an answer."""
    try:
        return schedule_text()
    except ScheduleError:
        return SCHEDULE_UNREADABLE


class ActionAnswerSchedule(Action):
    """Working hours, with whether the city hall is open right now."""

    def name(self) -> Text:
        return "action_answer_schedule"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=schedule_answer())
        return []
