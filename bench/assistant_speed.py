"""Speed of e-funcționar against stock Rasa (the `rasa init` configuration), side by side.

Trains both configurations on the same domain and data, starts one action server and a
Rasa server per model on 127.0.0.1, and measures over the REST webhook: 50 conversations
of 8 held-out messages each, one at a time and then all 50 at once — messages per
second and p50/p99 latency,
resident memory of each Rasa server after the load, and training time. Prints a table
with the ratios and writes bench/out/results.json.

Usage: make bench   (or: .venv/bin/python bench/assistant_speed.py [--reuse-models])
Only 127.0.0.1 is contacted; every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List, Sequence

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.integration.servers import free_port, server_env, wait_until_up  # noqa: E402

OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

CONFIGS = {
    "e-functionar": ROOT / "config.yml",
    "stock": ROOT / "bench" / "stock_config.yml",
}
# What each assistant runs with: ours as `make run` starts it (website channel, archive
# tracker store on SQLite); stock as `rasa init` leaves it (REST only, in-memory store).
SERVING = {
    "e-functionar": (ROOT / "credentials.yml", ROOT / "endpoints.yml"),
    "stock": (ROOT / "bench" / "stock_credentials.yml", ROOT / "bench" / "stock_endpoints.yml"),
}


def train(name: str, config: Path) -> float:
    """Trains one model from scratch; returns the wall-clock seconds."""
    started = time.perf_counter()
    subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "train",
            "--force",
            "--config",
            str(config),
            "--domain",
            "domain",
            "--data",
            "data",
            "--out",
            str(OUT),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        env=server_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def sample_messages() -> List[str]:
    """Realistic citizen messages: the held-out test set (never trained on)."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "tests" / "nlu" / "heldout.yml"))
    return [m.get("text") for m in data.intent_examples]


async def conversation(
    session: aiohttp.ClientSession, url: str, sender: str, messages: Sequence[str], latencies: List[float]
) -> None:
    for text in messages:
        started = time.perf_counter()
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status} for {text!r}")
        latencies.append(time.perf_counter() - started)


async def load(
    url: str, messages: Sequence[str], concurrency: int, conversations: int, per_conversation: int
) -> Dict[str, float]:
    """``conversations`` conversations of ``per_conversation`` messages, ``concurrency`` at a time."""
    latencies: List[float] = []
    timeout = aiohttp.ClientTimeout(total=600)
    slots = asyncio.Semaphore(concurrency)

    # New conversation ids on every run: a conversation continued from an earlier run
    # (within Rasa's 60-minute session) would carry its history and slow every turn.
    run = uuid.uuid4().hex[:8]

    async def one(i: int) -> None:
        texts = [messages[(i * per_conversation + k) % len(messages)] for k in range(per_conversation)]
        async with slots:
            await conversation(session, url, f"bench-{run}-{concurrency}-{i}", texts, latencies)

    async with aiohttp.ClientSession(timeout=timeout) as session:
        # Warm-up: the first parse loads lazily initialised parts of the model.
        await conversation(session, url, f"warmup-{run}-{concurrency}", messages[:5], [])
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(conversations)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "messages": len(latencies),
        "msg_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50, help="conversations per scenario")
    parser.add_argument("--per-conversation", type=int, default=8, help="messages in each conversation")
    parser.add_argument(
        "--reuse-models",
        action="store_true",
        help="load the models of the previous run (bench/out) and its training times",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    messages = sample_messages()

    results: Dict[str, Dict[str, float]] = {}
    previous = json.loads((OUT / "results.json").read_text()) if args.reuse_models else {}
    for name, config in CONFIGS.items():
        if args.reuse_models and (OUT / f"{name}.tar.gz").exists() and name in previous:
            results[name] = {"train_s": previous[name]["train_s"]}
            continue
        print(f"training {name} …", flush=True)
        results[name] = {"train_s": train(name, config)}

    actions_port = free_port()
    actions = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
        cwd=ROOT,
        env=server_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://{HOST}:{actions_port}/health", actions)
        for name in CONFIGS:
            port = free_port()
            # A fresh archive per run, as on a new deployment.
            database = OUT / f"{name}-bench.db"
            for stale in OUT.glob(f"{name}-bench.db*"):
                stale.unlink()
            server = subprocess.Popen(
                [
                    str(VENV_BIN / "rasa"),
                    "run",
                    "--model",
                    str(OUT / f"{name}.tar.gz"),
                    "--endpoints",
                    str(SERVING[name][1]),
                    "--credentials",
                    str(SERVING[name][0]),
                    "--interface",
                    HOST,
                    "--port",
                    str(port),
                ],
                cwd=ROOT,
                env=server_env(
                    ACTIONS_PORT=str(actions_port),
                    DATABASE_URL=f"sqlite:///{database}",
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_until_up(f"http://{HOST}:{port}/webhooks/rest/", server)
                url = f"http://{HOST}:{port}/webhooks/rest/webhook"
                for concurrency in (1, 50):
                    print(
                        f"{name}: {args.conversations} conversations × {args.per_conversation} "
                        f"messages, {concurrency} at a time …",
                        flush=True,
                    )
                    figures = asyncio.run(
                        load(url, messages, concurrency, args.conversations, args.per_conversation)
                    )
                    for key, value in figures.items():
                        results[name][f"c{concurrency}_{key}"] = value
                results[name]["rss_mib"] = rss_mib(server.pid)
            finally:
                server.send_signal(signal.SIGINT)
                server.wait(timeout=60)
    finally:
        actions.terminate()
        actions.wait(timeout=30)

    ours, stock = results["e-functionar"], results["stock"]
    rows = [
        ("training time (s)", "train_s"),
        ("1 conversation: msg/s", "c1_msg_per_s"),
        ("1 conversation: p50 (ms)", "c1_p50_ms"),
        ("1 conversation: p99 (ms)", "c1_p99_ms"),
        ("50 conversations: msg/s", "c50_msg_per_s"),
        ("50 conversations: p50 (ms)", "c50_p50_ms"),
        ("50 conversations: p99 (ms)", "c50_p99_ms"),
        ("resident memory (MiB)", "rss_mib"),
    ]
    print(f"\n{'':30s} {'e-funcționar':>13s} {'stock Rasa':>11s} {'ratio':>7s}")
    for label, key in rows:
        ratio = ours[key] / stock[key] if stock[key] else float("nan")
        print(f"{label:30s} {ours[key]:13.1f} {stock[key]:11.1f} {ratio:7.2f}")
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(
        f"\nthroughput ratio at 50 conversations: {ours['c50_msg_per_s'] / stock['c50_msg_per_s']:.2f}× "
        f"(target ≥ 2×); p50 at 1 conversation: {ours['c1_p50_ms']:.1f} ms (target ≤ 25 ms); "
        f"training: {ours['train_s']:.0f} s (target < 180 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
