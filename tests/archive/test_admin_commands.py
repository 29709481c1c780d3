"""`python -m archive users ensure-admin` and `python -m archive form-asks` (issue 17)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from storage import db

REPO = Path(__file__).resolve().parents[2]


def archive_cli(url, *args, stdin=""):
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "archive", *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120)  # fmt: skip


def admins(url):
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text("SELECT username, role, disabled FROM accounts WHERE role = 'admin'")
                )
            ]
    finally:
        engine.dispose()


def test_ensure_admin_creates_the_first_admin_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    db.upgrade(url)
    done = archive_cli(url, "users", "ensure-admin", "dana.admin", "--name", "Dana Ștefănescu", "--password-stdin",
                       stdin="o-parola-lunga-de-test-17\n")  # fmt: skip
    assert done.returncode == 0 and "Created admin dana.admin" in done.stdout, done.stderr
    again = archive_cli(
        url, "users", "ensure-admin", "alt.admin", "--password-stdin", stdin="o-parola-lunga-de-test-18\n"
    )
    assert again.returncode == 0 and "exists already (dana.admin)" in again.stdout
    assert admins(url) == [("dana.admin", "admin", False)]


def test_form_asks_prints_the_counts_of_the_archive(tmp_path):
    from bench.dashboard_data import generate

    url = f"sqlite:///{tmp_path / 'b.db'}"
    db.upgrade(url)
    import datetime as dt

    generate(url, 50, dt.date(2026, 11, 30), days=10, seed=3)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        want = {}
        for (ids,) in conn.execute(sa.text("SELECT form_ids FROM archive_turns WHERE speaker = 'citizen'")):
            for form_id in json.loads(ids):
                want[form_id] = want.get(form_id, 0) + 1
    engine.dispose()
    done = archive_cli(url, "form-asks")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == want and want
