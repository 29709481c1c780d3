"""Facts with owners (issue 17): who confirmed a card fact and when, the facts report, and
the warning a confirmed fact no longer carries. Everything on a copy of the catalog."""

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from forms_catalog import load_catalog
from forms_catalog.cards import UNVERIFIED_LINE
from forms_catalog.errors import CatalogError
from forms_catalog.facts import STALE, UNCONFIRMED, facts_report
from forms_catalog.loader import PACKAGE_DIR

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date.today()


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    for name in ("departments.yml", "fieldsets.yml"):
        shutil.copy(PACKAGE_DIR / name, tmp_path / name)
    shutil.copytree(PACKAGE_DIR / "forms", tmp_path / "forms")
    load_catalog.cache_clear()
    yield tmp_path
    load_catalog.cache_clear()


def edit(root: Path, form_id: str, aspect: str, **values) -> None:
    path = root / "forms" / f"{form_id}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[aspect].update(values)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_confirmed_fact_drops_the_warning_on_the_rendered_card(catalog_copy):
    before = load_catalog(catalog_copy).forms["petitie"].card_sections()["fee"]
    assert UNVERIFIED_LINE in before
    edit(catalog_copy, "petitie", "fee", unverified=False, confirmed_by="Ioana Marin, Registratură",
         confirmed_on=TODAY - dt.timedelta(days=3))  # fmt: skip
    load_catalog.cache_clear()
    form = load_catalog(catalog_copy).forms["petitie"]
    after = form.card_sections()["fee"]
    assert UNVERIFIED_LINE not in after and "Neconfirmat" not in after
    assert after.startswith("Taxe: Sursele consultate nu menționează o taxă")
    assert form.fee.confirmed and form.fee.confirmed_by == "Ioana Marin, Registratură"
    assert form.fee.confirmed_on == TODAY - dt.timedelta(days=3)
    # The other unverified facts of the card keep their warning.
    assert form.processing_time.unverified and UNVERIFIED_LINE in form.card_sections()["deadline"]


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {"unverified": True, "confirmed_by": "Ioana Marin", "confirmed_on": "2026-01-05"},
            "set unverified: false",
        ),
        ({"unverified": False, "confirmed_by": "Ioana Marin", "confirmed_on": "2999-01-01"}, "in the future"),
        ({"unverified": False, "confirmed_by": "Ioana Marin", "confirmed_on": "ieri"}, "must be a date"),
        ({"unverified": False, "confirmed_by": "Ioana Marin"}, "confirmed_on"),
        ({"unverified": False}, "say who confirmed it"),
    ],
    ids=["still-unverified", "future", "not-a-date", "no-date", "verified-without-source-or-owner"],
)
def test_the_check_refuses_a_confirmation_that_does_not_hold(catalog_copy, values, message):
    edit(catalog_copy, "petitie", "fee", **values)
    load_catalog.cache_clear()
    with pytest.raises(CatalogError) as error:
        load_catalog(catalog_copy)
    assert "petitie" in str(error.value) and message in str(error.value)


def _unverified_in_yaml(root: Path) -> int:
    """Unverified facts counted straight from the YAML files."""

    def walk(node) -> int:
        if isinstance(node, dict):
            own = 1 if node.get("unverified") is True and "text" in node else 0
            return own + sum(walk(v) for v in node.values())
        if isinstance(node, list):
            return sum(walk(v) for v in node)
        return 0

    return sum(walk(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in (root / "forms").glob("*.yml"))


def test_the_report_lists_unconfirmed_and_stale_facts_most_asked_form_first(catalog_copy):
    edit(catalog_copy, "petitie", "fee", unverified=False, confirmed_by="Ioana Marin",
         confirmed_on=TODAY - dt.timedelta(days=800))  # fmt: skip
    edit(catalog_copy, "petitie", "pickup", unverified=False, confirmed_by="Ioana Marin",
         confirmed_on=TODAY - dt.timedelta(days=10))  # fmt: skip
    load_catalog.cache_clear()
    catalog = load_catalog(catalog_copy)
    report = facts_report(catalog, {"casatorie": 40, "petitie": 7}, TODAY)
    assert sum(1 for f in report if f.status == UNCONFIRMED) == _unverified_in_yaml(catalog_copy)
    stale = [f for f in report if f.status == STALE]
    assert [(f.form_id, f.aspect) for f in stale] == [("petitie", "fee")]
    assert not any(f.form_id == "petitie" and f.aspect == "pickup" for f in report)
    forms_in_order = list(dict.fromkeys(f.form_id for f in report))
    assert forms_in_order[:2] == ["casatorie", "petitie"]
    assert all(f.asked == 0 for f in report if f.form_id not in ("casatorie", "petitie"))


def test_the_command_reads_the_counts_and_refuses_bad_ones(catalog_copy):
    run = [sys.executable, "-m", "forms_catalog", "--root", str(catalog_copy), "facts-report", "--asked", "-"]
    done = subprocess.run(run, input='{"certificat_urbanism": 12}', capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "fapte de confirmat" in lines[0]
    assert lines[2].startswith("Certificat de urbanism") and "întrebat de 12 ori" in lines[2]
    bad = subprocess.run(run, input="[1, 2]", capture_output=True, text=True, cwd=REPO)
    assert bad.returncode != 0 and "expected a JSON object" in bad.stderr
