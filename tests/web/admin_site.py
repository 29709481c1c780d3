"""The admin dashboard's test site: the website channel on a free port, in a thread of
its own (so that a synchronous browser can drive it), on a SQLite file holding a month of
generated conversations (bench/dashboard_data.py) and an admin and an auditor account;
and the figures counted from that file with plain SQL, to check the page against."""

import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.dashboard_data import generate
from storage import db
from tests.livechat.conftest import PASSWORD

LOCAL = ZoneInfo("Europe/Bucharest")
DAYS = 30
COUNT = 300


def last_day() -> dt.date:
    return dt.datetime.now(LOCAL).date() - dt.timedelta(days=1)


@dataclass
class AdminSite:
    base: str
    db_url: str
    since: dt.date
    until: dt.date
    stop: Any = None
    thread: Optional[threading.Thread] = None
    loop: Any = None
    service: Any = None

    def run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the site's event loop (e.g. a clerk's action on the service)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)


def prepare(folder: Path) -> str:
    from argon2 import PasswordHasher

    from archive.archive import Archive
    from archive.users import Users

    url = f"sqlite:///{folder / 'admin.db'}"
    db.upgrade(url)
    generate(url, COUNT, last_day(), days=DAYS, seed=11)
    archive = Archive(url)
    try:
        users = Users(archive, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        users.create("dana.admin", PASSWORD, "admin", display_name="Dana Ștefănescu")
        users.create("vera.audit", PASSWORD, "auditor", display_name="Vera Stanciu")
        users.create("ana.popescu", PASSWORD, "clerk", display_name="Ana Popescu")
    finally:
        archive.close()
    return url


def start(url: str) -> AdminSite:
    """Run the site in a thread until ``site.stop`` is set."""
    from tests.livechat.conftest import ALWAYS_OPEN, running_site

    os.environ["DATABASE_URL"] = url
    schedule = Path(url.removeprefix("sqlite:///")).with_name("schedule.yml")
    schedule.write_text(ALWAYS_OPEN)  # clerks work at any hour of the test
    os.environ["HANDOFF_SCHEDULE"] = str(schedule)
    ready = threading.Event()
    holder: Dict[str, Any] = {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def main() -> None:
            stop = asyncio.Event()
            async with running_site({"housekeeping_seconds": 5, "session_ttl_minutes": 30}) as site:
                holder.update(base=site.base, stop=stop, loop=loop, service=site.service)
                ready.set()
                await stop.wait()

        try:
            loop.run_until_complete(main())
        finally:
            loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(180):  # a loaded 2-core machine: importing Rasa alone takes a while
        raise RuntimeError("the admin test site did not start")
    site = AdminSite(
        holder["base"], url, last_day() - dt.timedelta(days=DAYS - 1), last_day(), thread=thread,
        loop=holder["loop"], service=holder["service"],
    )  # fmt: skip
    site.stop = lambda: holder["loop"].call_soon_threadsafe(holder["stop"].set)
    return site


@contextlib.contextmanager
def running(folder: Path) -> Iterator[AdminSite]:
    """A prepared and started site; the environment it set is put back afterwards."""
    saved = {name: os.environ.get(name) for name in ("DATABASE_URL", "HANDOFF_SCHEDULE")}
    site = start(prepare(folder))
    try:
        yield site
    finally:
        site.stop()
        if site.thread is not None:
            site.thread.join(30)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- what the page must show, counted with plain SQL ------------------------------------


def _rows(url: str, sql: str) -> List[Any]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


def _utc(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _day(value: Any) -> str:
    return _utc(value).replace(tzinfo=dt.timezone.utc).astimezone(LOCAL).date().isoformat()


def expected(url: str) -> Dict[str, Any]:
    """Every figure the dashboard shows for the whole generated month."""
    taken = {r[0] for r in _rows(url, "SELECT conversation_id FROM archive_turns WHERE event = 'taken_over'")}
    bot, clerk = Counter(), Counter()
    for cid, first_at in _rows(url, "SELECT conversation_id, first_at FROM archive_conversations"):
        (clerk if cid in taken else bot)[_day(first_at)] += 1
    reasons = Counter(
        json.loads(e)["reason"]
        for (e,) in _rows(url, "SELECT extra FROM archive_turns WHERE event = 'handoff_unavailable'")
    )
    queued = _rows(url, "SELECT count(*) FROM archive_turns WHERE event = 'queued'")[0][0]
    waits, opened = [], {}
    for cid, event, at in _rows(url, "SELECT conversation_id, event, at FROM archive_turns ORDER BY seq"):
        if event == "queued":
            opened[cid] = _utc(at)
        elif event == "taken_over" and cid in opened:
            waits.append((_utc(at) - opened.pop(cid)).total_seconds() / 60)
        elif event == "left_queue":
            opened.pop(cid, None)
    waits.sort()
    sizes = Counter(
        n
        for (n,) in _rows(
            url, "SELECT count(*) FROM archive_turns WHERE speaker = 'citizen' GROUP BY conversation_id"
        )
    )
    fallback = _rows(
        url, "SELECT count(*) FROM archive_turns WHERE intent IN ('nlu_fallback', 'out_of_scope')"
    )[0][0]
    classified = _rows(
        url, "SELECT count(*) FROM archive_turns WHERE speaker = 'citizen' AND intent IS NOT NULL"
    )[0][0]
    departments = Counter()
    for (extra,) in _rows(
        url, "SELECT extra FROM archive_turns WHERE speaker = 'bot' AND extra LIKE '%redirect%'"
    ):
        departments[json.loads(extra)["redirect"]["department"]] += 1
    forms = Counter()
    for (ids,) in _rows(url, "SELECT form_ids FROM archive_turns WHERE speaker = 'citizen'"):
        forms.update(json.loads(ids))
    ratings: Dict[Optional[str], List[int]] = {}
    for who, extra in _rows(url, "SELECT clerk_id, extra FROM archive_turns WHERE event = 'rating'"):
        ratings.setdefault(who, []).append(json.loads(extra)["score"])
    low = sorted(
        r[0]
        for r in _rows(
            url,
            "SELECT conversation_id FROM archive_turns WHERE event = 'rating' AND flags LIKE '%rating_low%'",
        )
    )
    first = last_day() - dt.timedelta(days=DAYS - 1)
    filings = Counter(
        (form_id, status)
        for form_id, status, filed_at in _rows(url, "SELECT form_id, status, filed_at FROM submissions")
        if first.isoformat() <= _day(filed_at) <= last_day().isoformat()
    )
    return {
        "filings": filings,
        "bot": bot, "clerk": clerk, "queued": queued, "closed": reasons["closed"], "no_clerk": reasons["no_clerk"],
        "median": round(waits[math.ceil(len(waits) / 2) - 1], 1), "p90": round(waits[math.ceil(0.9 * len(waits)) - 1], 1),
        "taken": len(waits), "sizes": sizes, "fallback": fallback, "classified": classified,
        "departments": departments, "forms": forms, "ratings": ratings, "low": low,
    }  # fmt: skip
