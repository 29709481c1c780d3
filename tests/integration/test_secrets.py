"""Issue 16: the password of ``DATABASE_URL`` never appears in a log, an error page or an
error frame — when PostgreSQL refuses it at start-up, when the host is wrong, and when
the database stops taking connections under a running server.

Each run uses a fresh random password, and :class:`tests.secrets.SecretScan` looks for it
in every form code would print it (as is, percent-encoded, JSON- or repr-escaped, base64)
in the processes' whole output and in every response the test received.
(The seal passphrase has its own test: tests/forms_catalog/test_seal.py.)
"""

import asyncio
import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from tests.livechat.conftest import PASSWORD as CLERK_PASSWORD
from tests.livechat.stack import MODEL, Stack, model_missing_reason
from tests.secrets import SecretScan, assert_no_internals

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("HANDOFF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# A password the PostgreSQL of the tests (trust authentication) accepts and ignores.
DB_PASSWORD = "Pg-" + secrets.token_urlsafe(12)


def _refusing_urls() -> dict:
    return {
        # The role does not exist: PostgreSQL refuses the connection.
        "refused": f"postgresql://nimeni_{uuid.uuid4().hex[:6]}:{DB_PASSWORD}@127.0.0.1:5432/test",
        # Nothing listens there.
        "wrong port": f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:1/test",
    }


def _admin() -> sa.engine.Engine:
    engine = sa.create_engine(PG_ADMIN, future=True, isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {error.orig}")
    return engine


def test_the_command_line_tools_never_print_the_database_password():
    _admin().dispose()
    scan = SecretScan({"database password": DB_PASSWORD})
    for name, url in _refusing_urls().items():
        env = {**os.environ, "DATABASE_URL": url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
        for command in (["storage", "upgrade"], ["archive", "verify"], ["livechat", "list-clerks"]):
            done = subprocess.run(
                [sys.executable, "-m", *command], cwd=ROOT, env=env, capture_output=True, timeout=120
            )
            where = f"{' '.join(command)} ({name})"
            assert done.returncode != 0, f"{where} succeeded on a database that refuses it"
            scan.add(where, done.stdout + done.stderr)
            assert (
                b"Database unavailable" in done.stdout + done.stderr
                or b"database" in (done.stdout + done.stderr).lower()
            ), where
    scan.assert_clean()


@pytest.mark.skipif(model_missing_reason() is not None, reason=str(model_missing_reason()))
def test_a_rasa_server_that_cannot_reach_the_database_never_logs_its_password(tmp_path):
    stack = Stack(tmp_path)
    stack.db_url = _refusing_urls()["wrong port"]
    stack.schedule.write_text("weekly: {}\npublic_holidays: null\n")
    (tmp_path / "credentials.yml").write_text(
        "web.site.WebsiteChannel:\n  turn_sink: archive.sink.ArchiveTurnSink\n"
    )
    (tmp_path / "endpoints.yml").write_text(
        "tracker_store:\n  type: archive.tracker_store.ArchiveTrackerStore\n"
    )
    bin_dir = Path(sys.executable).parent
    stack._spawn(
        "rasa",
        [str(bin_dir / "rasa"), "run", "--model", str(MODEL),
         "--endpoints", str(tmp_path / "endpoints.yml"), "--credentials", str(tmp_path / "credentials.yml"),
         "--interface", "127.0.0.1", "--port", str(stack.rasa_port)],
    )  # fmt: skip
    try:
        returncode = stack.processes[0].wait(timeout=240)
    finally:
        stack.stop()
    log = stack.logs["rasa"].read_text(errors="replace")
    assert returncode != 0 and "Database unavailable" in log, log[-2000:]
    scan = SecretScan({"database password": DB_PASSWORD})
    scan.add_file(stack.logs["rasa"])
    scan.assert_clean()


@pytest.fixture
def pg_database():
    """A database of its own (dropped afterwards), reached with a password in its URL."""
    admin = _admin()
    name = f"secrets_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})  # fmt: skip
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _refuse_connections(name: str, refuse: bool) -> int:
    """Make the database refuse (or take again) new connections; end the open ones."""
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if refuse else "true"}'))
        killed = conn.execute(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = :n AND pid <> pg_backend_pid()"
        ), {"n": name}).scalar_one() if refuse else 0  # fmt: skip
    admin.dispose()
    return int(killed)


@pytest.mark.skipif(model_missing_reason() is not None, reason=str(model_missing_reason()))
async def test_a_running_server_whose_database_refuses_shows_no_password_anywhere(tmp_path, pg_database):
    stack = Stack(tmp_path)
    stack.db_url = f"postgresql://postgres:{DB_PASSWORD}@127.0.0.1:5432/{pg_database}"
    scan = SecretScan({"database password": DB_PASSWORD})
    try:
        await asyncio.to_thread(stack.start)
        subprocess.run(
            [sys.executable, "-m", "archive", "users", "add", "vera.audit", "--role", "auditor",
             "--name", "Vera", "--password-stdin"],
            cwd=ROOT, env=stack.env, input=CLERK_PASSWORD.encode(), capture_output=True, timeout=60,
        )  # fmt: skip
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            ws = await http.ws_connect(f"{stack.ws_base}/webhooks/website/ws")
            await ws.send_json({"type": "hello", "conversation_id": None})
            welcome = await ws.receive_json(timeout=30)
            assert welcome["type"] == "welcome"
            await ws.send_json({"type": "message", "text": "bună ziua", "client_id": "a"})
            killed = await asyncio.to_thread(_refuse_connections, pg_database, True)
            assert killed >= 1
            await asyncio.sleep(1)
            # What people meet while the database refuses: frames and pages.
            await ws.send_json({"type": "message", "text": "și acum?", "client_id": "b"})
            frames = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any(
                f.get("client_id") == "b" and f.get("type") in ("ack", "error") for f in frames
            ):
                msg = await ws.receive(timeout=30)
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                frames.append(msg.json())
                scan.add("citizen frames", msg.data)
            assert any(f.get("type") == "error" and f.get("client_id") == "b" for f in frames), frames
            late = await http.ws_connect(f"{stack.ws_base}/webhooks/website/ws")
            await late.send_json({"type": "hello", "conversation_id": None})
            told = await late.receive(timeout=30)
            scan.add("new citizen", told.data if isinstance(told.data, str) else str(told.data))
            requests = [
                ("POST", "/console/login", {"json": {"username": "ana", "password": CLERK_PASSWORD}}),
                (
                    "POST",
                    "/console/audit/login",
                    {"json": {"username": "vera.audit", "password": CLERK_PASSWORD}},
                ),
                ("GET", "/console/", {}),
                ("GET", "/console/audit/api/search", {}),
                ("POST", "/webhooks/rest/webhook", {"json": {"sender": "s1", "message": "bună ziua"}}),
                ("GET", "/webhooks/website/", {}),
                ("GET", "/nu-exista", {}),
            ]
            statuses = {}
            for method, path, kwargs in requests:
                resp = await http.request(method, f"{stack.base}{path}", **kwargs)
                body = await resp.text()
                statuses[path] = resp.status
                scan.add(f"{method} {path} ({resp.status})", body + str(dict(resp.headers)))
                if resp.status >= 400:
                    assert_no_internals(body)
            assert statuses["/console/login"] == 503 and statuses["/console/audit/login"] == 503, statuses
            await asyncio.to_thread(_refuse_connections, pg_database, False)
            await ws.close()
            await late.close()
    finally:
        await asyncio.to_thread(stack.stop)
    for log in stack.logs.values():
        scan.add_file(log)
    assert "unavailable" in stack.logs["rasa"].read_text(errors="replace").lower()
    scan.assert_clean()
