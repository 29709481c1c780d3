"""The live chat store's writes of one message, in the archive's writing thread's place.

What the website channel's transcript costs per message: a citizen's message
(``HandoffStore.citizen_message_in``: the resend check, the insert, the conversation's read)
and a bot's answer (``message_in``: the conversation's read, the insert), in one transaction
on PostgreSQL, as the writing thread runs them — CPU and wall time per pair. The writing
thread shares the GIL with the event loop, so its CPU is taken from every conversation.

Usage: .venv/bin/python bench/store_speed.py [--pairs 2000] [--root DIR]
(``--root`` measures another checkout's store, e.g. a worktree of an older commit).
Needs PostgreSQL ($HANDOFF_TEST_POSTGRES, default the test database on 127.0.0.1); works in
a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root))
    import sqlalchemy as sa

    from livechat.store import BOT, HandoffStore
    from storage import db

    base = os.environ.get("HANDOFF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    admin = sa.create_engine(base, future=True)
    schema = f"store_speed_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}?options=-csearch_path%3D{schema}"
    engine = None
    try:
        db.upgrade(url)
        engine = db.make_engine(url)
        store = HandoffStore(engine)
        now = dt.datetime.now(dt.timezone.utc)
        conversations = [store.create_conversation(now).id for _ in range(50)]
        runs = []
        for _ in range(args.runs):
            cpu, wall = time.process_time(), time.perf_counter()
            with engine.begin() as connection:
                for i in range(args.pairs):
                    cid = conversations[i % len(conversations)]
                    store.citizen_message_in(
                        connection, cid, f"întrebarea {i}", now, uuid.uuid4().hex, to_bot=True
                    )
                    store.message_in(
                        connection, cid, BOT, f"răspunsul {i}", now, data={"buttons": []}, author="Asistent"
                    )
            runs.append(
                (
                    (time.process_time() - cpu) / args.pairs * 1000,
                    (time.perf_counter() - wall) / args.pairs * 1000,
                )
            )
        best = min(runs)
        print(
            f"{args.root}: per citizen + bot message pair, best of {args.runs} × {args.pairs}: CPU {best[0]:.3f} ms, wall {best[1]:.3f} ms"
        )
    finally:
        if engine is not None:
            engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
