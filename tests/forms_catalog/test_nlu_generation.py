"""forms_catalog/nlu.py: data/nlu/forms_catalog.yml is generated from the catalog and kept
up to date."""

from pathlib import Path

import yaml

from forms_catalog import Catalog, load_catalog
from forms_catalog.__main__ import main
from forms_catalog.nlu import LOOKUP_MIN_LENGTH, NLU_PATH, nlu_is_current, render_nlu, write_nlu


def test_committed_nlu_file_is_up_to_date(tmp_path: Path, catalog: Catalog) -> None:
    """Fails when a synonym was edited without running `make catalog`."""
    regenerated = write_nlu(catalog, tmp_path / "forms_catalog.yml")
    assert NLU_PATH.is_file(), "data/nlu/forms_catalog.yml is missing: run `make catalog`"
    committed = NLU_PATH.read_text(encoding="utf-8")
    assert committed == regenerated.read_text(encoding="utf-8"), (
        "data/nlu/forms_catalog.yml is out of date: run `make catalog` "
        "(python -m forms_catalog nlu) and commit the result"
    )


def test_generation_is_deterministic(catalog: Catalog) -> None:
    assert render_nlu(catalog) == render_nlu(catalog)


def test_nlu_file_structure(catalog: Catalog) -> None:
    data = yaml.safe_load(render_nlu(catalog))
    assert data["version"] == "3.1"
    synonyms = {item["synonym"]: item["examples"] for item in data["nlu"] if "synonym" in item}
    assert sorted(synonyms) == sorted(catalog.forms)
    urbanism = [line[2:] for line in synonyms["certificat_urbanism"].splitlines()]
    assert {"certificat de urbanism", "certificatul de urbansim", "CU"} <= set(urbanism)
    lookups = [item for item in data["nlu"] if "lookup" in item]
    assert [item["lookup"] for item in lookups] == ["form"]
    elements = [line[2:] for line in lookups[0]["examples"].splitlines()]
    assert "certificat de urbanism" in elements and "VMI" in elements
    assert "CU" not in elements and all(len(e) >= LOOKUP_MIN_LENGTH for e in elements)


def test_every_surface_form_maps_to_one_form_only(catalog: Catalog) -> None:
    data = yaml.safe_load(render_nlu(catalog))
    owner = {}
    for item in data["nlu"]:
        if "synonym" not in item:
            continue
        for line in item["examples"].splitlines():
            text = line[2:].lower()
            assert owner.setdefault(text, item["synonym"]) == item["synonym"], text


def test_editing_a_synonym_makes_the_committed_file_stale(catalog_copy: Path) -> None:
    form_file = catalog_copy / "forms" / "petitie.yml"
    form_file.write_text(
        form_file.read_text(encoding="utf-8").replace("  - petite\n", "  - petiție scrisă\n"),
        encoding="utf-8",
    )
    edited = load_catalog(catalog_copy)
    assert "petiție scrisă" in edited.get("petitie").synonyms
    assert not nlu_is_current(edited, NLU_PATH)
    assert "    - petiție scrisă\n" in render_nlu(edited)


def test_cli_nlu_writes_and_checks(tmp_path: Path) -> None:
    out = tmp_path / "nlu" / "forms_catalog.yml"
    assert main(["nlu", "--out", str(out), "--check"]) == 1  # missing
    assert main(["nlu", "--out", str(out)]) == 0
    assert main(["nlu", "--out", str(out), "--check"]) == 0
    assert out.read_text(encoding="utf-8") == NLU_PATH.read_text(encoding="utf-8")
