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


def _label(url, seq, intent, form_id=None):
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO review_labels (seq, intent, form_id, labelled_by, labelled_at)"
                    " VALUES (:s, :i, :f, 'dana.admin', '2026-12-01 09:00:00.000000')"
                ),
                {"s": seq, "i": intent, "f": form_id},
            )
    finally:
        engine.dispose()


def _citizen_turn(url, text):
    """A citizen message appended to the generated archive (its seq)."""
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            seq = conn.execute(sa.text("SELECT max(seq) FROM archive_turns")).scalar() + 1
            conn.execute(
                sa.text(
                    "INSERT INTO archive_turns (seq, conversation_id, turn_no, at, speaker, event, text, intent,"
                    " confidence, form_ids, flags, search_text, prev_hash, hash) VALUES (:seq, :cid, 1,"
                    " '2026-11-29 10:00:00.000000', 'citizen', 'message', :t, 'nlu_fallback', 0.2, '[]', '', '',"
                    " :h, :h)"
                ),
                {"seq": seq, "cid": f"gen-9{seq:05d}", "t": text, "h": "0" * 64},
            )
        return seq
    finally:
        engine.dispose()


def test_review_export_writes_masked_training_data_merged_once_and_rasa_accepts_it(tmp_path):
    import datetime as dt
    import shutil

    import yaml

    from bench.dashboard_data import generate

    url = f"sqlite:///{tmp_path / 'r.db'}"
    db.upgrade(url)
    generate(url, 150, dt.date(2026, 11, 30), days=10, seed=6)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        picks = {}
        for seq, text in conn.execute(
            sa.text(
                "SELECT seq, text FROM archive_turns WHERE intent IN ('nlu_fallback', 'out_of_scope') ORDER BY seq"
            )
        ):
            picks.setdefault(text, seq)
    engine.dispose()
    named = next(s for t, s in picks.items() if "numesc" in t)  # "mă numesc Andrei Ionescu …"
    phoned = next(s for t, s in picks.items() if "0722" in t)
    _label(url, named, "ask_procedure", "certificat_fiscal")
    _label(url, phoned, "ask_contact")
    # A held-out message (annotated there) that a citizen typed plainly, and a near-copy.
    _label(
        url,
        _citizen_turn(url, "cum obtin un certificat de urbanism pentru racordarea la apa?"),
        "ask_procedure",
    )
    _label(
        url,
        _citizen_turn(url, "Cum obțin un certificat de urbanism pentru racordarea la apă, vă rog"),
        "ask_procedure",
    )

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    out = data / "nlu" / "reviewed.yml"
    out.write_text(
        'version: "3.1"\nnlu:\n- intent: ask_contact\n  examples: |\n'
        "    - as vrea adresa de email a compartimentului de urbanism pentru sesizari scrise\n"
        "- intent: ask_procedure\n  examples: |\n"
        "    - sunați-mă la <telefon> despre adeverința de venit\n",  # relabelled in the archive
        encoding="utf-8",
    )
    done = archive_cli(url, "review", "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Wrote 3 examples" in done.stdout and "1 kept from the file, 1 relabelled" in done.stdout
    assert "2 left out as equal or near to a held-out message" in done.stdout
    written = out.read_text(encoding="utf-8")
    blocks = {b["intent"]: b["examples"] for b in yaml.safe_load(written)["nlu"]}
    texts = [e["text"] for examples in blocks.values() for e in examples]
    assert sorted(texts) == sorted(
        [
            "as vrea adresa de email a compartimentului de urbanism pentru sesizari scrise",
            "sunați-mă la <telefon> despre adeverința de venit",
            "mă numesc <nume> și vreau o adeverință pentru bancă",
        ]
    )
    assert {
        "text": "mă numesc <nume> și vreau o adeverință pentru bancă",
        "metadata": {"form": "certificat_fiscal"},
    } in blocks["ask_procedure"]
    assert [e["text"] for e in blocks["ask_contact"]] == [
        "as vrea adresa de email a compartimentului de urbanism pentru sesizari scrise",
        "sunați-mă la <telefon> despre adeverința de venit",
    ]
    assert "Andrei" not in written and "0722" not in written and "racordarea" not in written

    again = archive_cli(url, "review", "export", "--out", str(out))
    assert again.returncode == 0 and out.read_text(encoding="utf-8") == written  # nothing twice

    refused = archive_cli(url, "review", "export", "--out", str(REPO / "tests" / "nlu" / "reviewed.yml"))
    assert refused.returncode == 2 and "held-out" in refused.stderr
    assert not (REPO / "tests" / "nlu" / "reviewed.yml").exists()
    broken = tmp_path / "broken.yml"
    broken.write_text("nlu: 5\n", encoding="utf-8")
    bad = archive_cli(url, "review", "export", "--out", str(broken))
    assert bad.returncode == 1 and "not Rasa NLU data" in bad.stderr and broken.read_text() == "nlu: 5\n"

    validated = subprocess.run(
        [str(REPO / ".venv" / "bin" / "rasa"), "data", "validate", "--data", str(data), "--domain",
         str(REPO / "domain"), "--config", str(REPO / "config.yml"), "--fail-on-warnings"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-3000:]
