"""Crash tests: a writer killed with SIGKILL loses no acknowledged turn.

The first test kills a process that appends through the archive API (seconds, on both
databases). The second — marked ``integration``, skipped without a trained model —
kills the real Rasa server while messages stream in over the REST channel, restarts
it, and checks every acknowledged message against the archive.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from archive import Archive, TurnIn

ROOT = Path(__file__).resolve().parents[2]


def read_acks(lines):
    acked = []
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[0] == "ACK":
            acked.append((parts[1], parts[2], int(parts[3])))
    return acked


def test_writer_killed_mid_stream_loses_no_acknowledged_turn(db_url):
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.archive.crash_writer", db_url, "3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = []
    deadline = time.monotonic() + 60
    while len(lines) < 60 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        lines.append(line)
    child.send_signal(signal.SIGKILL)
    rest, errors = child.communicate(timeout=30)
    acked = read_acks(lines + rest.splitlines())
    assert len(acked) >= 60, errors

    archive = Archive(db_url)
    try:
        report = archive.verify()
        assert report.ok, report.describe()
        stored = {}
        for conversation in {a[0] for a in acked}:
            for turn in archive.conversation(conversation):
                stored[turn.seq] = (turn.conversation_id, turn.text)
        for conversation, text, seq in acked:
            assert stored.get(seq) == (conversation, text)
        # The database is healthy after the crash: the chain goes on.
        after = archive.append(TurnIn("conv-0", "citizen", "după cădere"))
        assert after.seq == report.head_seq + 1
    finally:
        archive.close()


MODEL = ROOT / "models" / "e-functionar.tar.gz"


def _post(url, sender, text):
    request = urllib.request.Request(
        url,
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"[]")


@pytest.mark.integration
@pytest.mark.skipif(not MODEL.exists(), reason="no trained model at models/e-functionar.tar.gz (make model)")
def test_rasa_server_killed_while_messages_stream_in(tmp_path):
    from tests.integration.servers import start_assistant

    url = f"sqlite:///{tmp_path / 'crash.db'}"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "action_endpoint:\n  url: http://127.0.0.1:${ACTIONS_PORT}/webhook\n"
        "tracker_store:\n  type: archive.tracker_store.ArchiveTrackerStore\n"
    )
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\n")
    assistant = start_assistant(
        tmp_path / "run1", credentials=credentials, endpoints=endpoints, DATABASE_URL=url
    )
    webhook = f"{assistant.rasa_url}/webhooks/rest/webhook"
    acked, lock, stop = [], threading.Lock(), threading.Event()
    messages = ["bună ziua", "ce acte trebuie pentru certificatul de urbanism?", "mulțumesc"]

    def stream(n: int) -> None:
        i = 0
        while not stop.is_set():
            text = f"{messages[i % len(messages)]} ({n}-{i})"
            try:
                status, answer = _post(webhook, f"crash-{n}", text)
            except OSError:
                return  # the server is gone: this message was never acknowledged
            # The REST channel answers 200 even when processing failed; an answer
            # with the bot's messages is the acknowledgement.
            if status == 200 and answer:
                with lock:
                    acked.append((f"crash-{n}", text))
            i += 1

    threads = [threading.Thread(target=stream, args=(n,)) for n in range(4)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while len(acked) < 12 and time.monotonic() < deadline:
            time.sleep(0.1)
        assistant.processes[1].send_signal(signal.SIGKILL)  # the Rasa server
        stop.set()
        for t in threads:
            t.join(timeout=60)
    finally:
        assistant.stop()
    assert len(acked) >= 12

    restarted = start_assistant(
        tmp_path / "run2", credentials=credentials, endpoints=endpoints, DATABASE_URL=url
    )
    try:
        status, answer = _post(f"{restarted.rasa_url}/webhooks/rest/webhook", "crash-0", "mulțumesc")
        assert status == 200 and answer
    finally:
        restarted.stop()

    archive = Archive(url)
    try:
        report = archive.verify()
        assert report.ok, report.describe()
        for sender, text in acked:
            citizen = [t.text for t in archive.conversation(sender) if t.speaker == "citizen"]
            assert text in citizen, f"acknowledged {text!r} of {sender} is not in the archive"
    finally:
        archive.close()
