"""Start the real action server and Rasa server (trained model) on free ports for tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "e-functionar.tar.gz"
BIN = Path(sys.executable).parent


def server_env(**extra: str) -> Dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **extra,
    }


def wait_until_up(
    url: str, process: subprocess.Popen, log: Optional[Path] = None, seconds: float = 240
) -> None:
    """Polls ``url`` until it answers; raises (with the log's tail) if the server dies or hangs."""
    tail = lambda: f":\n{log.read_text()[-3000:]}" if log else ""  # noqa: E731
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}{tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds} s{tail()}")


@dataclass
class Assistant:
    """A running action server + Rasa server pair."""

    rasa_url: str
    actions_url: str
    processes: List[subprocess.Popen]
    database_url: str = ""

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def start_assistant(
    log_dir: Path, credentials: Optional[Path] = None, endpoints: Optional[Path] = None, **env: str
) -> Assistant:
    """Starts both servers with the trained model; raises if either does not come up."""
    if not MODEL.exists():
        raise FileNotFoundError(f"no trained model at {MODEL}: run `make model` first")
    log_dir.mkdir(parents=True, exist_ok=True)
    actions_port, rasa_port = free_port(), free_port()
    # Each assistant gets its own database unless the test chooses one.
    env.setdefault("DATABASE_URL", f"sqlite:///{log_dir / 'efunctionar.db'}")
    environment = server_env(ACTIONS_PORT=str(actions_port), **env)
    actions_log, rasa_log = log_dir / "actions.log", log_dir / "rasa.log"
    actions = subprocess.Popen(
        [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
        cwd=ROOT,
        env=environment,
        stdout=actions_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(MODEL),
            "--endpoints",
            str(endpoints or ROOT / "endpoints.yml"),
            "--credentials",
            str(credentials or ROOT / "credentials.yml"),
            "--interface",
            "127.0.0.1",
            "--port",
            str(rasa_port),
        ],
        cwd=ROOT,
        env=environment,
        stdout=rasa_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    assistant = Assistant(
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{actions_port}",
        [actions, rasa],
        env["DATABASE_URL"],
    )
    try:
        wait_until_up(f"{assistant.actions_url}/health", actions, actions_log)
        wait_until_up(f"{assistant.rasa_url}/webhooks/rest/", rasa, rasa_log)
    except Exception:
        assistant.stop()
        raise
    return assistant


def say(assistant: "Assistant", sender: str, text: str) -> List[Dict[str, object]]:
    """The bot's replies to ``text`` from ``sender`` over the REST webhook (HTTP 200)."""
    import json

    request = urllib.request.Request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        replies: List[Dict[str, object]] = json.loads(response.read())
        return replies


def texts(replies: List[Dict[str, object]]) -> str:
    return "\n".join(str(r.get("text", "")) for r in replies)
