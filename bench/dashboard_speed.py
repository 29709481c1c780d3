"""How long each query of the admin dashboard (archive/stats.py, archive/review.py) takes on
a year of generated data (bench/dashboard_data.py), on SQLite and on PostgreSQL, and the
whole page's figures (web/admin.py ``figures``: the refresh of the daily counts, every
figure, the clerks' names).

    .venv/bin/python bench/dashboard_speed.py                  # 100,000 conversations
    .venv/bin/python bench/dashboard_speed.py --conversations 10000 --runs 3

SQLite: a new file under bench/out/. PostgreSQL: a new database on the server of
``--pg`` (default the local ``test`` server), dropped at the end. The first refresh of the
daily counts (archive/daily.py: the whole archive at once, as after migration 0008) is
timed once; then each query runs ``--runs`` times over the whole year, and the best and
the median time are printed, with the load average before and after.
"""

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg2  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from archive import daily, review, stats  # noqa: E402
from bench.dashboard_data import generate  # noqa: E402
from storage import db  # noqa: E402
from submissions.stats import filings_per_form  # noqa: E402
from web.admin import figures  # noqa: E402

OUT = Path(__file__).with_name("out")
LAST_DAY = dt.date(2026, 11, 30)


def queries(period: stats.Period) -> List[Tuple[str, Callable[[Any], Any]]]:
    return [
        ("conversations_per_day", lambda c: stats.conversations_per_day(c, period)),
        ("handoff_requests", lambda c: stats.handoff_requests(c, period)),
        ("queue_wait", lambda c: stats.queue_wait(c, period)),
        ("conversation_length", lambda c: stats.conversation_length(c, period)),
        ("fallback_rate", lambda c: stats.fallback_rate(c, period)),
        ("redirects", lambda c: stats.redirects(c, period)),
        ("forms_asked", lambda c: stats.forms_asked(c, period, {})),
        ("ratings", lambda c: stats.ratings(c, period, {})),
        ("low_ratings", lambda c: stats.low_ratings(c, period, {})),
        ("filings_per_form", lambda c: filings_per_form(c, period, {})),
        ("review_candidates", lambda c: review.candidates(c, period)),
    ]


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def time_all(url: str, period: stats.Period, runs: int) -> Dict[str, Tuple[float, float]]:
    engine = db.make_engine(url)
    results = {}
    try:
        start = time.perf_counter()
        first = daily.refresh(engine)
        took = time.perf_counter() - start
        results["refresh, first (whole archive)"] = (took, took)
        print(f"  first refresh: {first.counted_turns} turns in {took:.1f} s (load {_load()})", flush=True)
        for name, run in [("refresh, nothing new", lambda c: daily.refresh(engine)), *queries(period)]:
            times = []
            for _ in range(runs):
                with engine.connect() as conn:
                    start = time.perf_counter()
                    run(conn)
                    times.append(time.perf_counter() - start)
            results[name] = (min(times), statistics.median(times))
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            figures(engine, period)
            times.append(time.perf_counter() - start)
        results["whole page (web.admin.figures)"] = (min(times), statistics.median(times))
        print(f"  timed (load {_load()})", flush=True)
    finally:
        engine.dispose()
    return results


def _pg(admin_url: str, sql: str) -> None:
    u = make_url(admin_url)
    conn = psycopg2.connect(host=u.host, port=u.port or 5432, user=u.username or "postgres",
                            dbname=u.database or "postgres")  # fmt: skip
    conn.autocommit = True
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args(argv)
    period = stats.Period(LAST_DAY - dt.timedelta(days=364), LAST_DAY)
    OUT.mkdir(exist_ok=True)
    targets = []
    if args.only != "postgresql":
        path = OUT / f"dashboard-{uuid.uuid4().hex[:8]}.db"
        targets.append(("SQLite", f"sqlite:///{path}", lambda: path.unlink()))
    if args.only != "sqlite":
        name = f"bench_dashboard_{uuid.uuid4().hex[:8]}"
        url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
        _pg(args.pg, f'CREATE DATABASE "{name}"')
        targets.append(("PostgreSQL", url, lambda n=name: _pg(args.pg, f'DROP DATABASE "{n}"')))
    table: Dict[str, Dict[str, Tuple[float, float]]] = {}
    try:
        for label, url, _ in targets:
            db.upgrade(url)
            start = time.perf_counter()
            done = generate(url, args.conversations, LAST_DAY)
            print(f"{label}: {len(done.conversations)} conversations, {done.turns} turns, {done.filings} "
                  f"filings generated in {time.perf_counter() - start:.0f} s (load {_load()})", flush=True)  # fmt: skip
            if label == "PostgreSQL":
                _analyze(url)
            table[label] = time_all(url, period, args.runs)
    finally:
        for _, _, cleanup in targets:
            cleanup()
    labels = list(table)
    print(
        f"\nquery over {period.since}…{period.until} | "
        + " | ".join(f"{lb} best / median (ms)" for lb in labels)
    )
    for name in table[labels[0]]:
        cells = [f"{table[lb][name][0] * 1000:.0f} / {table[lb][name][1] * 1000:.0f}" for lb in labels]
        print(f"{name} | " + " | ".join(cells))
    return 0


def _analyze(url: str) -> None:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
