"""What ``action_request_human`` does: decide from the schedule and the clerks present.

Called from the action server, which shares the database with the Rasa server::

    from handoff.trigger import request_human_messages

    for message in request_human_messages(tracker.sender_id, form=tracker.get_slot("form")):
        dispatcher.utter_message(**message)

When the request is queued, the single message is a custom payload
``{"handoff": {"action": "enqueue", ...}}``: the website channel, in the Rasa server,
moves the conversation to the queue, tells the citizen their position and alerts the
clerks. Otherwise it is the text with the hours and the e-mail/registratură route.
"""

import datetime as dt
import logging
import os
import threading
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from handoff.db import ACTIVE, clerks, conversations, database_url, make_engine, utcnow
from handoff.decision import Decision, decide_for, unavailable_text
from handoff.schedule import ScheduleError, current_schedule

logger = logging.getLogger(__name__)

GRACE_ENV = "HANDOFF_CLERK_GRACE_SECONDS"
DEFAULT_GRACE_SECONDS = 60
ENQUEUE_ACTION = "enqueue"
# {"handoff": {"action": "pause", "minutes": N, "reason": "insult", "flag": "limbaj_jignitor"}}
# from actions/abuse.py (third insult): the channel holds the citizen's messages back.
PAUSE_ACTION = "pause"

_engines: Dict[str, Engine] = {}
_engines_lock = threading.Lock()


def clerk_grace() -> dt.timedelta:
    """How long a clerk whose console went away still counts as present."""
    raw = os.environ.get(GRACE_ENV, str(DEFAULT_GRACE_SECONDS))
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{GRACE_ENV}={raw!r}: a number of seconds is needed") from None
    if seconds <= 0:
        raise ValueError(f"{GRACE_ENV}={raw!r}: must be positive")
    return dt.timedelta(seconds=seconds)


def _engine(url: Optional[str]) -> Engine:
    url = database_url(url)
    with _engines_lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def decide(
    conversation_id: str, now: Optional[dt.datetime] = None, url: Optional[str] = None
) -> Decision:
    """Decide a request for a person in ``conversation_id`` at ``now`` (default: now).

    A database that cannot be read counts as "no clerk active": the citizen then gets
    the e-mail route instead of waiting in a queue nobody watches.
    """
    now = now or utcnow()
    schedule = current_schedule()
    active, state = 0, None
    try:
        with _engine(url).connect() as connection:
            active = connection.execute(
                sa.select(sa.func.count())
                .select_from(clerks)
                .where(clerks.c.presence == ACTIVE)
                .where(clerks.c.disabled == sa.false())
                .where(clerks.c.last_seen_at >= now - clerk_grace())
            ).scalar_one()
            state = connection.execute(
                sa.select(conversations.c.state).where(conversations.c.id == conversation_id)
            ).scalar_one_or_none()
    except sa.exc.SQLAlchemyError:
        logger.exception(
            "handoff: cannot read clerks' presence for conversation %s; answering as if "
            "no clerk were active",
            conversation_id,
        )
    return decide_for(now, schedule, active, state)


def registratura_email() -> str:
    """The general e-mail of the city hall, from forms_catalog/departments.yml."""
    from forms_catalog import load_catalog

    return load_catalog().departments["registratura"].email


def request_human_messages(
    conversation_id: str,
    form: Optional[str] = None,
    intent: Optional[str] = None,
    now: Optional[dt.datetime] = None,
) -> List[Dict[str, Any]]:
    """Keyword arguments for ``dispatcher.utter_message``, one dict per message."""
    try:
        decision = decide(conversation_id, now)
    except ScheduleError:
        # A broken schedule file must not leave the citizen without an answer.
        logger.exception("handoff: cannot read the schedule; offering the e-mail route")
        email = registratura_email()
        return [
            {
                "text": "Acum nu vă pot face legătura cu un funcționar. Ne puteți scrie la "
                f"{email} sau puteți depune cererea la registratura primăriei.",
                "buttons": [_mail_button(email)],
            }
        ]
    if decision.queue:
        return [
            {
                "json_message": {
                    "handoff": {"action": ENQUEUE_ACTION, "form": form, "intent": intent}
                }
            }
        ]
    email = registratura_email()
    return [{"text": unavailable_text(decision, email), "buttons": [_mail_button(email)]}]


def _mail_button(email: str) -> Dict[str, str]:
    return {
        "title": f"Scrie un e-mail: {email}",
        "type": "web_url",
        "url": f"mailto:{email}",
        "payload": f"mailto:{email}",
    }
