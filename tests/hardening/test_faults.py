"""Issue 16: faults injected into a real server during citizen traffic, bounded in time.

* The Rasa server SIGKILLed mid-traffic and started again: no acknowledged message lost,
  none stored twice, every one answered (the re-drive hands the bot what it never
  answered) — or the citizen told.
* The database gone and back: the SQLite file moved away (root ignores file modes, so
  "unreadable" is a file that is not there) and put back; PostgreSQL's backends
  terminated with ``pg_terminate_backend``, three times. Messages meeting the outage get
  an error frame and are resent by the citizen; the same three counts.

The figures (kills, acked, lost, duplicates, unanswered, told) go to
``var/results/faults.json``; a longer soak is ``bench/fault_soak.py``.
"""

import asyncio
import json
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.hardening.conftest import HIGH_LIMITS
from tests.hardening.traffic import Citizen, wait_answered
from tests.livechat.stack import Stack, model_missing_reason

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "var" / "results" / "faults.json"
CITIZENS = 3


def _record(name: str, figures: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = figures
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\n{name}: {figures}")


async def _traffic_with(stack, fault, settle: float = 2.0):
    """Citizens chat; ``fault()`` runs (in a thread) after ``settle`` seconds of
    traffic; the traffic goes on briefly, then every message is resent until acked."""
    citizens = [Citizen(n, stack.ws_base) for n in range(CITIZENS)]
    stop = asyncio.Event()
    chats = [asyncio.ensure_future(c.chat(stop)) for c in citizens]
    await asyncio.sleep(settle)
    before = sum(len(c.acked) for c in citizens)
    details = await asyncio.to_thread(fault)
    await asyncio.sleep(settle)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*chats), 300)
    return citizens, before, details


async def test_sigkill_of_the_rasa_server_during_traffic_loses_nothing(hardened_stack):
    stack = hardened_stack

    def kill_and_restart() -> dict:
        pid = stack.rasa.pid
        os.kill(pid, signal.SIGKILL)
        stack.rasa.wait(timeout=30)
        started = time.monotonic()
        stack.restart_rasa()
        return {"restart_seconds": round(time.monotonic() - started, 1)}

    citizens, before_kill, details = await _traffic_with(stack, kill_and_restart)
    assert before_kill >= CITIZENS, "the traffic had not started when the server was killed"
    result = await wait_answered(stack.db_url, citizens, seconds=90)
    figures = {"kills": 1, **result.as_dict(), "acked_before_kill": before_kill,
               "reconnects": sum(c.reconnects for c in citizens),
               "told": sum(len(c.told) for c in citizens), **details}  # fmt: skip
    _record("sigkill_rasa", figures)
    assert result.lost == 0 and result.duplicates == 0, figures
    assert result.unanswered == 0, figures
    assert result.acked > before_kill, "nothing was acknowledged after the restart"


async def test_the_sqlite_file_gone_and_back_during_traffic_loses_nothing(hardened_stack):
    stack = hardened_stack
    path = Path(stack.db_url.removeprefix("sqlite:///"))
    away = path.with_name("away.db")

    def outage() -> dict:
        if os.geteuid() != 0:
            path.chmod(0)  # unreadable for the server's user
        else:
            os.rename(path, away)  # root reads any file: gone instead
        time.sleep(3)
        if os.geteuid() != 0:
            path.chmod(0o644)
        else:
            os.rename(away, path)
        return {"outage_seconds": 3}

    citizens, _, details = await _traffic_with(stack, outage)
    result = await wait_answered(stack.db_url, citizens, seconds=60)
    figures = {**result.as_dict(), "told": sum(len(c.told) for c in citizens), **details}
    _record("sqlite_gone_and_back", figures)
    assert result.acked >= CITIZENS and result.lost == 0 and result.duplicates == 0, figures
    assert result.unanswered == 0, figures
    assert any(c.told for c in citizens), "nobody was told of the outage: the fault did not bite"


PG_ADMIN = os.environ.get("HANDOFF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_stack(tmp_path):
    """The real servers on a PostgreSQL database of their own (dropped afterwards)."""
    reason = model_missing_reason()
    if reason:
        pytest.skip(reason)
    admin = sa.create_engine(PG_ADMIN, future=True, isolation_level="AUTOCOMMIT")
    try:
        admin.connect().close()
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {error.orig}")
    name = f"faults_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    stack = Stack(tmp_path, channel_settings=HIGH_LIMITS)
    stack.db_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    stack.pg_name = name
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})  # fmt: skip
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.postgres
async def test_postgresql_backends_terminated_during_traffic_lose_nothing(pg_stack):
    stack = pg_stack

    def terminate_three_times() -> dict:
        admin = sa.create_engine(PG_ADMIN, future=True, isolation_level="AUTOCOMMIT")
        killed = []
        with admin.connect() as conn:
            for _ in range(3):
                killed.append(conn.execute(sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = :n AND pid <> pg_backend_pid()"
                ), {"n": stack.pg_name}).scalar_one())  # fmt: skip
                time.sleep(1.0)
        admin.dispose()
        return {"terminations": 3, "backends_terminated": sum(killed)}

    citizens, _, details = await _traffic_with(stack, terminate_three_times)
    assert details["backends_terminated"] >= 1, details
    result = await wait_answered(stack.db_url, citizens, seconds=60)
    figures = {**result.as_dict(), "told": sum(len(c.told) for c in citizens), **details}
    _record("postgresql_backends_terminated", figures)
    assert result.acked >= CITIZENS and result.lost == 0 and result.duplicates == 0, figures
    assert result.unanswered == 0, figures
