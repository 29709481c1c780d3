"""The real assistant for the integration and browser tests.

Starts ``rasa run`` (the trained model, the website channel from a credentials file
written here, the archive as turn sink and tracker store) and the rasa-sdk action
server on free ports, with their own SQLite database and schedule file under a temporary
folder, and stops both afterwards.
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from tests.livechat.conftest import ALWAYS_OPEN
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "e-functionar.tar.gz"
STARTUP_SECONDS = 180
# citizen_messages_per_minute of the stack's channel (read from its credentials file).
FLOOD_LIMIT = 12


class Stack:
    """Both servers on free ports; ``channel_settings`` adds lines to the channel's
    credentials entry (e.g. higher limits for a test that sends many messages)."""

    def __init__(self, folder: Path, channel_settings: str = "") -> None:
        self.folder = folder
        self.channel_settings = channel_settings
        self.rasa_port = free_port()
        self.actions_port = free_port()
        self.base = f"http://127.0.0.1:{self.rasa_port}"
        self.ws_base = f"ws://127.0.0.1:{self.rasa_port}"
        self.db_url = f"sqlite:///{folder / 'efunctionar.db'}"
        self.schedule = folder / "schedule.yml"
        self.processes: List[subprocess.Popen] = []
        self.logs: Dict[str, Path] = {}

    @property
    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.db_url,
            HANDOFF_SCHEDULE=str(self.schedule),
            HANDOFF_CLERK_GRACE_SECONDS="60",
            ACTIONS_PORT=str(self.actions_port),
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            PYTHONPATH=str(ROOT),
        )
        return env

    def _spawn(self, name: str, args: List[str]) -> None:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        handle = open(log, "ab")
        self.processes.append(
            subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        )

    def tail(self, lines: int = 30) -> str:
        out = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {name} ({path}) ---\n" + "\n".join(text))
        return "\n".join(out)

    def start(self) -> None:
        self.schedule.write_text(ALWAYS_OPEN)
        (self.folder / "credentials.yml").write_text(
            "livechat.rest.RestChannel:\n"
            "web.site.WebsiteChannel:\n"
            "  housekeeping_seconds: 0.5\n"
            + (self.channel_settings or f"  citizen_messages_per_minute: {FLOOD_LIMIT}\n")
            + "  turn_sink: archive.sink.ArchiveTurnSink\n"
            # Every test client is 127.0.0.1: one test's insult pause must not pause the
            # next test's new conversations (tests/livechat/test_abuse.py covers it).
            "  pause_follows_address: false\n"
        )
        (self.folder / "endpoints.yml").write_text(
            "action_endpoint:\n"
            f"  url: http://127.0.0.1:{self.actions_port}/webhook\n"
            "tracker_store:\n"
            "  type: archive.tracker_store.ArchiveTrackerStore\n"
        )
        subprocess.run(
            [sys.executable, "-m", "archive", "upgrade"], cwd=ROOT, env=self.env,
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        self._spawn(
            "actions",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
             "--port", str(self.actions_port)],
        )  # fmt: skip
        self._spawn_rasa()
        self._wait_until_up()

    def _spawn_rasa(self) -> None:
        bin_dir = Path(sys.executable).parent
        self._spawn(
            "rasa",
            [str(bin_dir / "rasa"), "run", "--model", str(MODEL),
             "--endpoints", str(self.folder / "endpoints.yml"),
             "--credentials", str(self.folder / "credentials.yml"),
             "--interface", "127.0.0.1", "--port", str(self.rasa_port)],
        )  # fmt: skip

    @property
    def rasa(self) -> subprocess.Popen:
        """The Rasa server's process (the latest one, after a restart)."""
        return self.processes[-1]

    def restart_rasa(self) -> None:
        """Start the Rasa server again (same port, database and files) after it died;
        its log goes on in the same file."""
        assert self.rasa.poll() is not None, "the Rasa server is still running"
        self._spawn_rasa()
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        waiting = {
            f"{self.base}/webhooks/website/": False,
            f"http://127.0.0.1:{self.actions_port}/health": False,
        }
        while not all(waiting.values()):
            for process in (self.processes[0], self.rasa):
                if process.poll() is not None:
                    raise RuntimeError(f"a server stopped while starting:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"servers not up after {STARTUP_SECONDS}s:\n{self.tail()}")
            for url, up in waiting.items():
                if not up:
                    try:
                        with urllib.request.urlopen(url, timeout=2) as resp:
                            waiting[url] = resp.status == 200
                    except OSError:
                        pass
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def model_missing_reason() -> Optional[str]:
    if not MODEL.exists():
        return f"no trained model at {MODEL.relative_to(ROOT)}: run `make model` first"
    return None
