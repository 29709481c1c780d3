"""Two real Rasa instances on one PostgreSQL database and one Redis, behind Debian's nginx.

The nginx configuration is the deployment's own file (deploy/nginx/templates/), rendered as
the nginx image of deploy/compose.yml renders it (envsubst of the ``EF_*`` variables only).
Each cluster has its own database, Redis channel and lock-store prefix, so tests may run
beside others on the same servers.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import psycopg2
from sqlalchemy.engine import make_url

from tests.livechat.conftest import ALWAYS_OPEN
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "e-functionar.tar.gz"
TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "efunctionar.conf.template"
PG_ADMIN = os.environ.get("HANDOFF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("SCALEOUT_TEST_REDIS", "redis://127.0.0.1:6379/0")
STARTUP_SECONDS = 240
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render(template: str, values: Mapping[str, str]) -> str:
    """``${NAME}`` replaced for the names given, everything else (nginx's own ``$vars``)
    left as it is — what the nginx image's envsubst step does."""
    return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def missing_reason() -> Optional[str]:
    if not MODEL.exists():
        return f"no trained model at {MODEL.relative_to(ROOT)}: run `make model` first"
    if not Path(NGINX).exists():
        return "no nginx: install Debian's nginx (.ci/run does)"
    return None


class Instance:
    """One process of the cluster, with its log."""

    def __init__(self, name: str, args: List[str], env: Dict[str, str], folder: Path) -> None:
        self.name = name
        self.log = folder / f"{name}.log"
        with open(self.log, "wb") as handle:
            self.process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.name} ---\n" + "\n".join(text)


class Cluster:
    """Action server, Rasa instances A and B, and nginx in front of both."""

    def __init__(self, folder: Path, extra_channel_settings: str = "", rest: bool = False) -> None:
        """``extra_channel_settings``: more lines of the website channel's credentials;
        ``rest``: open the REST channel too (bench/channel_speed.py)."""
        self.folder = folder
        self.extra_channel_settings = extra_channel_settings
        self.rest = rest
        self.tag = uuid.uuid4().hex[:10]
        self.database = f"scaleout_{self.tag}"
        self.db_url = make_url(PG_ADMIN).set(database=self.database).render_as_string(hide_password=False)
        self.ports = {"a": free_port(), "b": free_port()}
        self.actions_port = free_port()
        self.nginx_port = free_port()
        self.base = f"http://127.0.0.1:{self.nginx_port}"
        self.ws_base = f"ws://127.0.0.1:{self.nginx_port}"
        self.instances: Dict[str, Instance] = {}

    def direct(self, name: str) -> str:
        """The base URL of instance ``name`` itself, bypassing nginx."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def direct_ws(self, name: str) -> str:
        return f"ws://127.0.0.1:{self.ports[name]}"

    @property
    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.db_url,
            HANDOFF_SCHEDULE=str(self.folder / "schedule.yml"),
            HANDOFF_CLERK_GRACE_SECONDS="60",
            ACTIONS_PORT=str(self.actions_port),
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            PYTHONPATH=str(ROOT),
            # Behind nginx: the client's address is the one nginx saw (X-Forwarded-For).
            SANIC_PROXIES_COUNT="1",
        )
        return env

    def _admin(self, statement: str) -> None:
        conn = psycopg2.connect(PG_ADMIN)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    def _write_config(self) -> None:
        (self.folder / "schedule.yml").write_text(ALWAYS_OPEN)
        redis = make_url(REDIS.replace("redis://", "postgresql://", 1))  # host, port, db parsed alike
        (self.folder / "credentials.yml").write_text(
            ("livechat.rest.RestChannel:\n" if self.rest else "") + "web.site.WebsiteChannel:\n"
            "  housekeeping_seconds: 0.5\n"
            "  turn_sink: archive.sink.ArchiveTurnSink\n"
            f"  redis_url: {REDIS}\n"
            f"  redis_channel: efunctionar:test:{self.tag}\n"
            + (self.extra_channel_settings or "  citizen_messages_per_minute: 60\n")
        )
        (self.folder / "endpoints.yml").write_text(
            "action_endpoint:\n"
            f"  url: http://127.0.0.1:{self.actions_port}/webhook\n"
            "tracker_store:\n"
            "  type: archive.tracker_store.ArchiveTrackerStore\n"
            "lock_store:\n"
            "  type: livechat.lock_store.AsyncRedisLockStore\n"
            f"  url: {redis.host}\n"
            f"  port: {redis.port or 6379}\n"
            f"  db: {redis.database or 0}\n"
            f"  key_prefix: test{self.tag}\n"
        )
        tls = self.folder / "no-tls.conf"
        tls.write_text("# no TLS in the tests\n")
        site = render(
            TEMPLATE.read_text(),
            {
                "EF_RASA_A": f"127.0.0.1:{self.ports['a']}",
                "EF_RASA_B": f"127.0.0.1:{self.ports['b']}",
                "EF_LISTEN": f"127.0.0.1:{self.nginx_port}",
                "EF_TLS_CONF": str(tls),
            },
        )
        (self.folder / "efunctionar.conf").write_text(site)
        temp = self.folder / "nginx-temp"
        temp.mkdir(exist_ok=True)
        (self.folder / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "") + "daemon off;\nworker_processes 1;\n"
            f"pid {self.folder / 'nginx.pid'};\nerror_log {self.folder / 'nginx-error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"  access_log {self.folder / 'nginx-access.log'};\n"
            f"  client_body_temp_path {temp / 'body'};\n  proxy_temp_path {temp / 'proxy'};\n"
            f"  fastcgi_temp_path {temp / 'fcgi'};\n  uwsgi_temp_path {temp / 'uwsgi'};\n"
            f"  scgi_temp_path {temp / 'scgi'};\n"
            f"  include {self.folder / 'efunctionar.conf'};\n"
            "}\n"
        )

    def start_rasa(self, name: str) -> None:
        bin_dir = Path(sys.executable).parent
        self.instances[name] = Instance(
            f"rasa-{name}",
            [str(bin_dir / "rasa"), "run", "--model", str(MODEL),
             "--endpoints", str(self.folder / "endpoints.yml"),
             "--credentials", str(self.folder / "credentials.yml"),
             "--interface", "127.0.0.1", "--port", str(self.ports[name])],
            self.env, self.folder,
        )  # fmt: skip

    def start(self) -> None:
        self._admin(f'CREATE DATABASE "{self.database}"')
        self._write_config()
        subprocess.run(
            [sys.executable, "-m", "archive", "upgrade"], cwd=ROOT, env=self.env,
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        self.instances["actions"] = Instance(
            "actions",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
            self.env, self.folder,
        )  # fmt: skip
        self.start_rasa("a")
        self.start_rasa("b")
        self.instances["nginx"] = Instance(
            "nginx",
            [NGINX, "-c", str(self.folder / "nginx.conf"), "-p", str(self.folder)],
            self.env,
            self.folder,
        )
        self.wait_up(["a", "b"])
        self.wait_for(f"{self.base}/webhooks/website/")

    def wait_for(self, url: str, seconds: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while True:
            for instance in self.instances.values():
                if not instance.alive() and instance.name != "rasa-killed":
                    raise RuntimeError(f"{instance.name} stopped:\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} not up after {seconds}s:\n{self.tail()}")
            time.sleep(0.5)

    def wait_up(self, names: List[str]) -> None:
        self.wait_for(f"http://127.0.0.1:{self.actions_port}/health")
        for name in names:
            self.wait_for(f"{self.direct(name)}/webhooks/website/")

    def kill(self, name: str) -> None:
        instance = self.instances[name]
        instance.kill()
        instance.name = "rasa-killed"

    def tail(self) -> str:
        return "\n".join(instance.tail() for instance in self.instances.values())

    def stop(self) -> None:
        for instance in reversed(list(self.instances.values())):
            instance.stop()
        try:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except psycopg2.Error:
            pass  # the server is gone: nothing left to drop
