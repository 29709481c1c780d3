"""Time of the NLU pipeline alone: one model, a few hundred training messages, parsed in turn.

Loads the model with Rasa's ``Agent`` (the code of the checkout it is run from), parses the
examples of ``data/nlu/procedures.yml`` and ``data/nlu/scope.yml`` once to warm up, then
times a second pass. ``--profile`` prints the cProfile of a third pass, sorted by
cumulative time (which component costs what). No server, no network.

Usage: .venv/bin/python bench/nlu_parse_speed.py [--model models/e-functionar.tar.gz] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import sys
import time
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def messages(limit: int) -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    texts: List[str] = []
    for name in ("procedures.yml", "scope.yml"):
        texts += [m.get("text") for m in load_data(str(ROOT / "data" / "nlu" / name)).intent_examples]
    return texts[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "e-functionar.tar.gz")
    parser.add_argument("--messages", type=int, default=400, help="how many messages to parse")
    parser.add_argument("--profile", action="store_true", help="print the profile of one more pass")
    args = parser.parse_args()

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(args.model))
    texts = messages(args.messages)

    async def parse_all() -> None:
        for text in texts:
            await agent.parse_message(text)

    asyncio.run(parse_all())  # warm-up: lazy loads and caches
    started = time.perf_counter()
    asyncio.run(parse_all())
    elapsed = time.perf_counter() - started
    print(f"{len(texts)} messages in {elapsed:.2f} s: {1000 * elapsed / len(texts):.2f} ms a message")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        asyncio.run(parse_all())
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
