"""The website channel against the REST webhook, one instance against two, in one run.

Starts the scale-out cluster of the tests (tests/scaleout/cluster.py: two Rasa instances on
one PostgreSQL database and Redis, Debian's nginx in front with the deployment's
configuration) and drives, one after the other:

1. REST, straight to instance A (one instance serving);
2. the citizen websocket, straight to instance A;
3. REST through nginx (both instances serving);
4. the citizen websocket through nginx.

Each drive is ``--conversations`` conversations (default 100) of ``--messages`` messages
(default 10), all conversations at once, each sending its next message when the previous
one is answered; the messages are the held-out set's (never trained on). REST: the time of
each request (the bot's whole answer). Website: the time to the acknowledgement, and to the
bot's first reply. Beside the times, the CPU each drive cost the Rasa instances and the action
server (user + system, read from /proc), per message: a figure that a loaded machine moves far
less than msg/s. Prints a table and writes bench/out/channel_speed.json.

Usage: .venv/bin/python bench/channel_speed.py [--conversations 100] [--messages 10]
       [--drives rest-a,website-a,rest-2,website-2] [--rounds N] [--profile DIR]
``--rounds N`` runs the drives N times, interleaved (REST, website, REST, …), and prints each
figure's median and the website's msg/s against REST's in each round: on this machine one
run of the same code moves by a fifth from one minute to the next, and the drives of one
round share its conditions.
``--profile DIR`` records where instance A spends its time during each drive with py-spy
(``PY_SPY``, default ``py-spy`` on PATH; a maintainer's tool, not a dependency) into
DIR/<drive>.txt, collapsed stacks.
The CPU column counts both Rasa instances and the action server (not PostgreSQL, Redis or
nginx). Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Sequence

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.scaleout.cluster import Cluster, missing_reason  # noqa: E402

OUT = ROOT / "bench" / "out"
REPLY_TIMEOUT = 120.0
# One machine drives every conversation: the per-address limits would refuse the bench.
UNLIMITED = (
    "  citizen_messages_per_minute: 100000\n"
    "  address_messages_per_minute: 100000\n"
    "  address_conversations_per_hour: 100000\n"
)


def sample_messages() -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "tests" / "nlu" / "heldout.yml"))
    # Without the insults: three in one conversation pause it (and its address, which is
    # every conversation's here), and a paused conversation is not answered.
    return [m.get("text") for m in data.intent_examples if m.get("intent") != "insult"]


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(count: int, elapsed: float, **latencies: List[float]) -> Dict[str, float]:
    result = {"messages": float(count), "msg_per_s": count / elapsed}
    for name, values in latencies.items():
        result[f"{name}_p50_ms"] = 1000 * statistics.median(values)
        result[f"{name}_p99_ms"] = 1000 * percentile(values, 0.99)
    return result


async def rest_drive(base: str, texts: List[List[str]]) -> Dict[str, float]:
    latencies: List[float] = []
    run = uuid.uuid4().hex[:8]

    async def one(i: int, session: aiohttp.ClientSession) -> None:
        for text in texts[i]:
            started = time.perf_counter()
            async with session.post(
                f"{base}/webhooks/rest/webhook", json={"sender": f"bench-{run}-{i}", "message": text}
            ) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"REST {resp.status} for {text!r}")
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1800)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(i, session) for i in range(len(texts))))
        elapsed = time.perf_counter() - started
    return summary(len(latencies), elapsed, reply=latencies)


async def _next(ws: aiohttp.ClientWebSocketResponse, wanted: str, client_id: str = "") -> Dict:
    deadline = time.monotonic() + REPLY_TIMEOUT
    while True:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"socket closed waiting for {wanted}: {msg}")
        frame = json.loads(msg.data)
        if frame.get("type") == "error":
            raise RuntimeError(f"error frame: {frame}")
        if wanted == "ack" and frame.get("type") == "ack" and frame.get("client_id") == client_id:
            return frame
        if wanted == "bot" and frame.get("type") == "message" and frame.get("sender") == "bot":
            return frame
        if wanted == "welcome" and frame.get("type") == "welcome":
            return frame


async def website_drive(ws_base: str, texts: List[List[str]]) -> Dict[str, float]:
    acks: List[float] = []
    replies: List[float] = []

    async def one(i: int, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(f"{ws_base}/webhooks/website/ws") as ws:
            await ws.send_json({"type": "hello", "conversation_id": None})
            await _next(ws, "welcome")
            for n, text in enumerate(texts[i]):
                client_id = f"{i}-{n}"
                started = time.perf_counter()
                await ws.send_json({"type": "message", "text": text, "client_id": client_id})
                # The bot may answer before the ack is read: read in order, both are timed.
                got_ack = got_reply = None
                while got_ack is None or got_reply is None:
                    frame = await _next(ws, "ack" if got_ack is None else "bot", client_id)
                    now = time.perf_counter()
                    if frame.get("type") == "ack":
                        got_ack = now
                    else:
                        got_reply = now
                acks.append(got_ack - started)
                replies.append(got_reply - started)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1800)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(i, session) for i in range(len(texts))))
        elapsed = time.perf_counter() - started
    return summary(len(replies), elapsed, ack=acks, reply=replies)


DRIVES = {
    "rest-a": "rest, one instance",
    "website-a": "website, one instance",
    "rest-2": "rest, two instances (nginx)",
    "website-2": "website, two instances (nginx)",
}


def run_drive(cluster: Cluster, key: str, texts: List[List[str]]) -> Dict[str, float]:
    if key == "rest-a":
        return asyncio.run(rest_drive(cluster.direct("a"), texts))
    if key == "website-a":
        return asyncio.run(website_drive(cluster.direct_ws("a"), texts))
    if key == "rest-2":
        return asyncio.run(rest_drive(cluster.base, texts))
    return asyncio.run(website_drive(cluster.ws_base, texts))


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of the processes ``pids`` (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        # Fields after the command's ")" : utime and stime are the 12th and 13th.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def profiler(pid: int, out: Path, gil: bool = False) -> "subprocess.Popen[bytes]":
    """py-spy recording ``pid`` until stopped (SIGINT), as collapsed stacks in ``out``;
    with ``gil``, only the thread holding the GIL at each sample (who keeps the others waiting)."""
    spy = shutil.which(os.environ.get("PY_SPY", "py-spy"))
    if spy is None:
        raise SystemExit("--profile needs py-spy (set PY_SPY to its path)")
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--format", "raw", "--output", str(out), "--rate", "200"]
        + (["--gil"] if gil else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--drives", default=",".join(DRIVES), help="which drives, in order")
    parser.add_argument("--profile", type=Path, help="py-spy instance A into this folder")
    parser.add_argument("--gil", action="store_true", help="with --profile: sample only the GIL's holder")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the drives this many times, interleaved, and print each drive's median",
    )
    args = parser.parse_args()
    if args.rounds < 1 or (args.profile and args.rounds > 1):
        parser.error("--rounds must be at least 1, and 1 with --profile")
    drives = [d.strip() for d in args.drives.split(",") if d.strip()]
    unknown = [d for d in drives if d not in DRIVES]
    if unknown:
        parser.error(f"unknown drives {unknown}; known: {', '.join(DRIVES)}")
    reason = missing_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    messages = sample_messages()
    texts = [
        [messages[(i * args.messages + k) % len(messages)] for k in range(args.messages)]
        for i in range(args.conversations)
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="channel-speed-") as folder:
        cluster = Cluster(Path(folder), extra_channel_settings=UNLIMITED, rest=True)
        try:
            cluster.start()
            rounds: List[Dict[str, Dict[str, float]]] = []
            for _ in range(args.rounds):
                rounds.append(run_round(cluster, drives, texts, args))
        finally:
            cluster.stop()
    results = {name: median_row([r[name] for r in rounds]) for name in rounds[0]}
    (OUT / "channel_speed.json").write_text(json.dumps({"median": results, "rounds": rounds}, indent=2))
    print(f"{args.conversations} conversations × {args.messages} messages, all at once")
    if args.rounds > 1:
        print(f"median of {args.rounds} rounds (the drives interleaved), each figure on its own")
    print(
        f"\n{'drive':32} {'msg/s':>7} {'reply p50':>10} {'reply p99':>10} {'ack p50':>8} {'ack p99':>8}"
        f" {'CPU ms/msg':>10}"
    )
    for name, row in results.items():
        ack50 = f"{row['ack_p50_ms']:.0f}" if "ack_p50_ms" in row else "—"
        ack99 = f"{row['ack_p99_ms']:.0f}" if "ack_p99_ms" in row else "—"
        print(
            f"{name:32} {row['msg_per_s']:7.1f} {row['reply_p50_ms']:10.0f} {row['reply_p99_ms']:10.0f}"
            f" {ack50:>8} {ack99:>8} {row['cpu_ms_per_msg']:10.1f}"
            f"  (A {row['cpu_ms_per_msg_a']:.1f}, B {row['cpu_ms_per_msg_b']:.1f},"
            f" actions {row['cpu_ms_per_msg_actions']:.1f})"
        )
    for website, rest in (("website-a", "rest-a"), ("website-2", "rest-2")):
        if DRIVES[website] in results and DRIVES[rest] in results:
            ratios = sorted(r[DRIVES[website]]["msg_per_s"] / r[DRIVES[rest]]["msg_per_s"] for r in rounds)
            print(
                f"{DRIVES[website]} against {DRIVES[rest]}, msg/s, by round: "
                + ", ".join(f"{x:.2f}" for x in ratios)
                + f" (median {statistics.median(ratios):.2f})"
            )
    return 0


def median_row(rows: Sequence[Dict[str, float]]) -> Dict[str, float]:
    """Each figure's median over the rounds (not one round's row)."""
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


def run_round(
    cluster: Cluster, drives: Sequence[str], texts: List[List[str]], args: argparse.Namespace
) -> Dict[str, Dict[str, float]]:
    """Each drive once, in order: its figures and the CPU it cost, by drive name."""
    results = {}
    for key in drives:
        spy = None
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            spy = profiler(cluster.instances["a"].process.pid, args.profile / f"{key}.txt", args.gil)
        pids = {name: cluster.instances[name].process.pid for name in ("a", "b", "actions")}
        cpu_before = {name: cpu_seconds([pid]) for name, pid in pids.items()}
        try:
            row = run_drive(cluster, key, texts)
            for name, pid in pids.items():
                spent = cpu_seconds([pid]) - cpu_before[name]
                row[f"cpu_ms_per_msg_{name}"] = 1000 * spent / row["messages"]
            row["cpu_ms_per_msg"] = sum(row[f"cpu_ms_per_msg_{name}"] for name in pids)
            results[DRIVES[key]] = row
        except Exception:
            print(cluster.tail(), file=sys.stderr)  # why: the instances' last lines
            raise
        finally:
            if spy is not None:
                spy.send_signal(2)
                spy.wait(timeout=60)
    return results


if __name__ == "__main__":
    sys.exit(main())
