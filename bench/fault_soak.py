"""A longer soak of the fault test of issue 16: citizens chat with a real Rasa server
(trained model, action server, archive on SQLite) that is SIGKILLed and started again
``--kills`` times; then the counts of tests/hardening/test_faults.py: acknowledged,
lost, stored twice, unanswered.

    .venv/bin/python bench/fault_soak.py --kills 5 --citizens 5

Bounded: every restart waits at most 180 s, every message at most 15 s; the figures go to
``bench/out/fault_soak.json``.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "fault_soak.json"


async def soak(kills: int, citizens: int, between: float) -> dict:
    from tests.hardening.conftest import HIGH_LIMITS
    from tests.hardening.traffic import Citizen, wait_answered
    from tests.livechat.stack import Stack

    stack = Stack(Path(tempfile.mkdtemp(prefix="fault-soak-")), channel_settings=HIGH_LIMITS)
    stack.start()
    restarts = []
    try:
        people = [Citizen(n, stack.ws_base) for n in range(citizens)]
        stop = asyncio.Event()
        chats = [asyncio.ensure_future(c.chat(stop)) for c in people]
        for _ in range(kills):
            await asyncio.sleep(between)
            os.kill(stack.rasa.pid, signal.SIGKILL)
            await asyncio.to_thread(stack.rasa.wait, 30)
            started = time.monotonic()
            await asyncio.to_thread(stack.restart_rasa)
            restarts.append(round(time.monotonic() - started, 1))
        await asyncio.sleep(between)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*chats), 600)
        result = await wait_answered(stack.db_url, people, seconds=120)
    finally:
        stack.stop()
    return {"kills": kills, "citizens": citizens, **result.as_dict(),
            "told": sum(len(c.told) for c in people), "restart_seconds": restarts}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--citizens", type=int, default=5)
    parser.add_argument("--between", type=float, default=5.0, help="seconds of traffic between kills")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    figures = asyncio.run(soak(args.kills, args.citizens, args.between))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))
    return 0 if figures["lost"] == figures["duplicates"] == figures["unanswered"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
