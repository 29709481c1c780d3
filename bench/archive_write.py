"""Cost of the archive: per-turn write latency, and the assistant with the archive on/off.

    .venv/bin/python bench/archive_write.py                # write cost, SQLite + PostgreSQL
    .venv/bin/python bench/archive_write.py --e2e          # also the assistant, on vs off
    .venv/bin/python bench/archive_write.py --e2e-only     # only the assistant, on vs off

Write cost: p50/p99 latency of ``Archive.append`` (one turn, committed) and of
``ArchiveTrackerStore.save`` (one citizen message + three bot messages, as after a
greeting), with 1 writer and with 8 concurrent writers, on a throwaway SQLite file and
a throwaway PostgreSQL database (``ARCHIVE_BENCH_PG_URL``, default the ``test``
database on 127.0.0.1; skipped if it does not answer).

End to end (needs models/e-functionar.tar.gz): the Rasa server with Rasa's in-memory
tracker store, with Rasa's own ``SQLTrackerStore`` on SQLite (persistent state, no
archive), with ``ArchiveTrackerStore`` keeping only Rasa's state (``archive_turns:
false``), and with ``ArchiveTrackerStore`` on SQLite (and on PostgreSQL), 50 concurrent
conversations of 16 held-out messages (``--messages``) over the REST webhook, every
variant with the channels of credentials.yml; messages per second and p50/p99 latency
side by side. Every variant's server starts once and stays up; each round drives every
variant in turn, seconds apart, and the archive's cost is the median of the rounds'
ratios to the in-memory drive of the same round. The issue's target: the archive costs
at most 10% of throughput.

Results go to bench/out/archive_write.json. Only 127.0.0.1 is contacted; every loop is
bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from archive import Archive, TurnIn  # noqa: E402
from bench.assistant_speed import sample_messages  # noqa: E402
from storage import db  # noqa: E402
from tests.integration.servers import free_port, wait_until_up  # noqa: E402

OUT = ROOT / "bench" / "out"
MODEL = ROOT / "models" / "e-functionar.tar.gz"
VENV_BIN = Path(sys.executable).parent
PG_URL = os.environ.get("ARCHIVE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def percentiles(samples: List[float]) -> Dict[str, float]:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "n": len(ordered),
        "p50_ms": p(0.50) * 1000,
        "p99_ms": p(0.99) * 1000,
        "mean_ms": statistics.fmean(ordered) * 1000,
    }


def run_writers(
    make_op: Callable[[int], Callable[[int], None]], writers: int, per_writer: int
) -> Dict[str, float]:
    samples: List[float] = []
    lock = threading.Lock()
    ready = threading.Barrier(writers + 1)

    def work(n: int) -> None:
        op = make_op(n)
        ready.wait()  # time the writes only, not the set-up
        mine = []
        for i in range(per_writer):
            start = time.perf_counter()
            op(i)
            mine.append(time.perf_counter() - start)
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    result = percentiles(samples)
    result["ops_per_s"] = len(samples) / elapsed
    return result


def bench_append(url: str, writers: int, per_writer: int) -> Dict[str, float]:
    archives: List[Archive] = []

    def make_op(n: int) -> Callable[[int], None]:
        archive = Archive(url)
        archive.head()
        archives.append(archive)
        return lambda i: archive.append(
            TurnIn(
                f"bench-{n}",
                "citizen",
                f"Bună ziua, ce acte trebuie? ({i})",
                intent="ask_procedure",
                confidence=0.93,
                channel="bench",
            )
        )

    try:
        return run_writers(make_op, writers, per_writer)
    finally:
        for archive in archives:
            archive.close()


def bench_tracker_save(url: str, writers: int, per_writer: int) -> Dict[str, float]:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from archive.tracker_store import ArchiveTrackerStore

    domain = Domain.empty()
    stores: List[ArchiveTrackerStore] = []

    def make_op(n: int) -> Callable[[int], None]:
        store = ArchiveTrackerStore(domain=domain, url=url, migrate=False)
        stores.append(store)
        loop = asyncio.new_event_loop()
        sender = f"bench-{n}-{uuid.uuid4().hex[:6]}"
        tracker = loop.run_until_complete(store.get_or_create_tracker(sender))

        def op(i: int) -> None:
            tracker.update(
                UserUttered(
                    f"bună ziua ({i})",
                    intent={"name": "greet", "confidence": 0.9},
                    input_channel="bench",
                    message_id=uuid.uuid4().hex,
                )
            )
            for text in ("Bună ziua!", "Conversația este înregistrată.", "Cu ce vă pot ajuta?"):
                tracker.update(ActionExecuted("utter_x"))
                tracker.update(BotUttered(text))
            tracker.update(ActionExecuted("action_listen"))
            loop.run_until_complete(store.save(tracker))

        return op

    try:
        return run_writers(make_op, writers, per_writer)
    finally:
        for store in stores:
            store.archive.close()


def pg_database() -> Optional[str]:
    import psycopg2
    from sqlalchemy.engine import make_url

    u = make_url(PG_URL)
    try:
        conn = psycopg2.connect(
            host=u.host,
            port=u.port or 5432,
            user=u.username or "postgres",
            password=u.password,
            dbname=u.database,
            connect_timeout=3,
        )
    except psycopg2.Error as e:
        print(f"PostgreSQL at {u.host}:{u.port or 5432} does not answer ({e}); skipped")
        return None
    conn.autocommit = True
    name = f"archive_bench_{uuid.uuid4().hex[:8]}"
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return u.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    import psycopg2
    from sqlalchemy.engine import make_url

    u = make_url(PG_URL)
    conn = psycopg2.connect(
        host=u.host,
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname=u.database,
        connect_timeout=3,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    conn.close()


# --- end to end --------------------------------------------------------------------------


async def drive(webhook: str, conversations: int, per_conversation: int) -> Dict[str, float]:
    import aiohttp

    messages = sample_messages()
    samples: List[float] = []
    failures = 0

    async def conversation(session: "aiohttp.ClientSession", n: int) -> None:
        nonlocal failures
        sender = f"e2e-{n}-{uuid.uuid4().hex[:6]}"
        for i in range(per_conversation):
            text = messages[(max(n, 0) * per_conversation + i) % len(messages)]
            start = time.perf_counter()
            async with session.post(webhook, json={"sender": sender, "message": text}) as r:
                answer = await r.json()
            samples.append(time.perf_counter() - start)
            if r.status != 200 or not answer:
                failures += 1

    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await conversation(session, -1)  # warm-up
        samples.clear()
        started = time.perf_counter()
        await asyncio.gather(*(conversation(session, n) for n in range(conversations)))
        elapsed = time.perf_counter() - started
    result = percentiles(samples)
    result["msgs_per_s"] = len(samples) / elapsed
    result["failures"] = failures
    return result


@contextlib.contextmanager
def serve(label: str, tracker_store: Optional[str], database_url: Optional[str], work: Path) -> Iterator[str]:
    """Starts the Rasa server (and its action server) of one variant; yields its webhook."""
    actions_port, rasa_port = free_port(), free_port()
    endpoints = work / f"endpoints-{label}.yml"
    text = "action_endpoint:\n  url: http://127.0.0.1:${ACTIONS_PORT}/webhook\n"
    if tracker_store:
        state_only = tracker_store.endswith(":state-only")
        tracker_store = tracker_store.split(":")[0]
        text += f"tracker_store:\n  type: {tracker_store}\n"
        if state_only:  # Rasa's state in the database, no turns archived
            text += "  archive_turns: false\n"
        if tracker_store == "sql":  # Rasa's own SQLTrackerStore on an SQLite file
            text += f"  dialect: sqlite\n  db: {database_url}\n"
            database_url = None
    endpoints.write_text(text)
    # Every variant serves the channels of credentials.yml, as `make run` does; only the
    # tracker store differs.
    credentials = ROOT / "credentials.yml"
    environment = {**os.environ, "ACTIONS_PORT": str(actions_port), "TF_CPP_MIN_LOG_LEVEL": "3"}
    # The website channel keeps its handoff tables in a database even when the tracker
    # store is not ours: a throwaway file, touched only at start-up by REST traffic.
    environment["DATABASE_URL"] = database_url or f"sqlite:///{work / f'channel-{label}.db'}"
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    logs = [open(OUT / "logs" / f"e2e-{label}-{name}.log", "w") for name in ("actions", "rasa")]
    processes = [
        subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
            cwd=ROOT,
            env=environment,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                str(VENV_BIN / "rasa"),
                "run",
                "--model",
                str(MODEL),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(credentials),
                "--interface",
                "127.0.0.1",
                "--port",
                str(rasa_port),
            ],
            cwd=ROOT,
            env=environment,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", processes[0])
        wait_until_up(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", processes[1])
        yield f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="appends per writer (default 300)")
    parser.add_argument("--e2e", action="store_true", help="also measure the assistant, archive on vs off")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument(
        "--messages",
        type=int,
        default=16,
        help="messages per conversation (e2e; 16: runs long enough to be steady)",
    )
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds per variant (e2e)")
    parser.add_argument("--e2e-only", action="store_true", help="skip the write-cost part")
    parser.add_argument(
        "--variants",
        default="off,rasa-sql,state,sqlite,postgresql",
        help="comma-separated e2e variants to run (default: all); 'off' is always run, as the reference",
    )
    args = parser.parse_args()

    results: Dict[str, Dict] = {"write": {}, "e2e": {}}
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as tmp:
        work = Path(tmp)
        backends = {"sqlite": f"sqlite:///{work / 'bench.db'}"}
        pg = pg_database()
        if pg:
            backends["postgresql"] = pg
        try:
            for name, url in backends.items():
                db.upgrade(url)
                for writers in () if args.e2e_only else (1, 8):
                    per = max(10, args.turns // writers)
                    results["write"][f"{name} append x{writers}"] = bench_append(url, writers, per)
                    results["write"][f"{name} tracker save x{writers}"] = bench_tracker_save(
                        url, writers, max(10, per // 4)
                    )
            if results["write"]:
                print(f"\n{'write cost':34} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'ops/s':>8}")
            for key, r in results["write"].items():
                print(f"{key:34} {r['n']:6d} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['ops_per_s']:8.1f}")

            if args.e2e or args.e2e_only:
                if not MODEL.exists():
                    print(f"\nno model at {MODEL}: run `make model` for the end-to-end comparison")
                else:
                    store = "archive.tracker_store.ArchiveTrackerStore"
                    runs = [
                        ("off", "archive off (in-memory)", None, None),
                        ("rasa-sql", "Rasa SQLTrackerStore, SQLite", "sql", str(work / "rasa-sql.db")),
                        (
                            "state",
                            "state only, SQLite",
                            f"{store}:state-only",
                            f"sqlite:///{work / 'state.db'}",
                        ),
                        ("sqlite", "archive on, SQLite", store, f"sqlite:///{work / 'e2e.db'}"),
                    ]
                    if pg:
                        runs.append(("postgresql", "archive on, PostgreSQL", store, pg))
                    chosen = {"off", *args.variants.split(",")}
                    unknown = chosen - {key for key, *_ in runs} - {"postgresql"}
                    if unknown:
                        parser.error(f"unknown --variants {sorted(unknown)}")
                    runs = [run for run in runs if run[0] in chosen]
                    # Every variant's server is started once and kept running (idle
                    # while another is measured); each round then drives every variant
                    # in turn, starting with a different one each round. Drives seconds
                    # apart see the machine at nearly the same speed, so their ratio is
                    # far steadier than runs minutes apart (this 2-core VM's speed drifts
                    # by 20 % and more over minutes).
                    rounds: Dict[str, List[Dict[str, float]]] = {label: [] for _, label, _, _ in runs}
                    with contextlib.ExitStack() as servers:
                        webhooks = {}
                        for key, label, tracker_store, url in runs:
                            print(f"starting: {label} …", flush=True)
                            webhooks[label] = servers.enter_context(serve(key, tracker_store, url, work))
                        for round_no in range(args.rounds):
                            shift = round_no % len(runs)
                            for key, label, _, _ in runs[shift:] + runs[:shift]:
                                print(f"e2e round {round_no + 1}/{args.rounds}: {label} …", flush=True)
                                rounds[label].append(
                                    asyncio.run(drive(webhooks[label], args.conversations, args.messages))
                                )
                    off = [r["msgs_per_s"] for r in rounds["archive off (in-memory)"]]
                    for label, measured in rounds.items():
                        # The variants of one round ran back to back: their ratio to the
                        # in-memory run of the same round is steadier than msg/s alone.
                        ratios = sorted(r["msgs_per_s"] / base for r, base in zip(measured, off))
                        in_order = [round(r["msgs_per_s"], 1) for r in measured]
                        measured = sorted(measured, key=lambda r: r["msgs_per_s"])
                        median = dict(measured[len(measured) // 2])
                        median["rounds_msgs_per_s"] = in_order
                        median["vs_off_median_of_rounds"] = ratios[len(ratios) // 2]
                        median["vs_off_rounds"] = [round(r, 3) for r in ratios]
                        results["e2e"][label] = median
                    print(
                        f"\n{args.conversations} concurrent conversations x {args.messages} messages, "
                        f"median of {args.rounds} interleaved rounds; 'vs off' is the median of "
                        f"each round's ratio to the in-memory run of that round"
                    )
                    print(
                        f"{'assistant':28} {'msg/s':>8} {'vs off':>7} {'p50 ms':>8} {'p99 ms':>8} "
                        f"{'fail':>5}  rounds in order (msg/s)"
                    )
                    for label, r in results["e2e"].items():
                        print(
                            f"{label:28} {r['msgs_per_s']:8.1f} {r['vs_off_median_of_rounds']:7.0%} "
                            f"{r['p50_ms']:8.0f} {r['p99_ms']:8.0f} {r['failures']:5d}  "
                            f"{r['rounds_msgs_per_s']}"
                        )
        finally:
            if pg:
                drop_pg_database(pg)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "archive_write.json").write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {OUT / 'archive_write.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
