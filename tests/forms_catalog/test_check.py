"""``python -m forms_catalog check`` (forms_catalog/check.py and loader.py): broken entries
are caught, and each error names the file and the field."""

from pathlib import Path
from typing import Any, Callable, Dict

import pytest
import yaml

from forms_catalog import Catalog, CatalogError, load_catalog
from forms_catalog.__main__ import main
from forms_catalog.check import _form_problems, run_checks, unextractable_names
from forms_catalog.loader import PACKAGE_DIR, read_catalog
from forms_catalog.pdf.build import build_pdf


def edit(root: Path, name: str, change: Callable[[Dict[str, Any]], None]) -> Path:
    path = root / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def only_problem(root: Path) -> str:
    catalog, problems = read_catalog(root)
    assert catalog is None
    assert len(problems) == 1, problems
    return problems[0]


def test_the_repository_catalog_passes_every_check() -> None:
    assert run_checks() == []


def test_cli_check_exits_0_on_the_repository(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--skip-pdfs"]) == 0
    # As many forms as files in forms/: adding one must not break this test.
    files = len(list((PACKAGE_DIR / "forms").glob("*.yml")))
    assert f"{files} forms" in capsys.readouterr().out


def test_an_unchanged_copy_is_valid(catalog_copy: Path) -> None:
    catalog, problems = read_catalog(catalog_copy)
    assert problems == [] and catalog is not None


def test_missing_fact_names_file_and_field(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/casatorie.yml", lambda d: d.pop("fee"))
    problem = only_problem(catalog_copy)
    assert "casatorie.yml: fee: is required" in problem


def test_wrong_type_names_the_nested_field(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/petitie.yml", lambda d: d["documents"][1].update(unverified="da"))
    assert "petitie.yml: documents[1].unverified: 'da' is not of type 'boolean'" in only_problem(catalog_copy)


def test_unknown_department(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/audienta.yml", lambda d: d.update(department="cabinet_primar"))
    problem = only_problem(catalog_copy)
    assert "audienta.yml: department: unknown department 'cabinet_primar'" in problem


def test_synonym_of_another_form_is_rejected(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/petitie.yml", lambda d: d["synonyms"].append("Certificatul de urbanism"))
    problem = only_problem(catalog_copy)
    assert "petitie.yml: synonyms[" in problem
    assert "certificat_urbanism" in problem


def test_synonym_conflict_ignores_case_and_diacritics(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/audienta.yml", lambda d: d["synonyms"].append("ALOCAȚIA"))
    assert "also names form 'alocatie_copii'" in only_problem(catalog_copy)


def test_missing_contract_form(catalog_copy: Path) -> None:
    (catalog_copy / "forms" / "audienta.yml").unlink()
    problem = only_problem(catalog_copy)
    assert "audienta.yml" in problem and "NLU contract" in problem


def test_id_must_match_the_file_name(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/petitie.yml", lambda d: d.update(id="petitii"))
    assert "petitie.yml: id: 'petitii' must equal the file name 'petitie'" in only_problem(catalog_copy)


def test_cedilla_letters_are_rejected(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/petitie.yml", lambda d: d["fee"].update(text="Nu există taxă pentru petiţii."))
    problem = only_problem(catalog_copy)
    assert "petitie.yml: fee.text: uses the cedilla letter(s) ţ" in problem


def test_verified_fact_needs_the_city_halls_source(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/casatorie.yml", lambda d: d["fee"].update(unverified=False))
    assert "casatorie.yml: fee.unverified: a fact marked unverified: false must cite" in (
        only_problem(catalog_copy)
    )


def test_unknown_validator_names_the_field_item(catalog_copy: Path) -> None:
    def change(data: Dict[str, Any]) -> None:
        data["fields"][3]["validator"] = "cui"

    edit(catalog_copy, "forms/casatorie.yml", change)
    problem = only_problem(catalog_copy)
    assert "casatorie.yml: fields[3].validator: 'cui' is not one of" in problem


def test_unknown_fieldset(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/petitie.yml", lambda d: d["fields"].__setitem__(0, {"use": "firma"}))
    assert "petitie.yml: fields[0].use: unknown field set 'firma'" in only_problem(catalog_copy)


def test_duplicate_field_name(catalog_copy: Path) -> None:
    def change(data: Dict[str, Any]) -> None:
        data["fields"].insert(2, {"name": "cnp", "label": "Alt CNP", "type": "text", "max_length": 13})

    edit(catalog_copy, "forms/petitie.yml", change)
    assert "petitie.yml: fields[2].name: duplicate field name 'cnp'" in only_problem(catalog_copy)


def test_form_without_signature_field(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/petitie.yml", lambda d: d["fields"].pop())  # the `use: semnare`
    problems = read_catalog(catalog_copy)[1]
    assert any("petitie.yml: fields: needs exactly one signature field, has 0" in p for p in problems)


def test_duplicate_yaml_key_and_syntax_errors_are_reported(catalog_copy: Path) -> None:
    path = catalog_copy / "forms" / "petitie.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\ntitle: Altă petiție\n", encoding="utf-8")
    assert "petitie.yml: line" in only_problem(catalog_copy)
    assert "duplicate key 'title'" in only_problem(catalog_copy)
    path.write_text("id: [petitie\n", encoding="utf-8")
    assert "petitie.yml: line 2: invalid YAML" in only_problem(catalog_copy)


def test_department_missing_a_required_redirect(catalog_copy: Path) -> None:
    def change(data: Dict[str, Any]) -> None:
        data["departments"] = [d for d in data["departments"] if d["id"] != "iluminat_public"]

    edit(catalog_copy, "departments.yml", change)
    assert "departments.yml: departments: missing the required department 'iluminat_public'" in (
        only_problem(catalog_copy)
    )


def test_load_catalog_raises_with_all_problems(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/casatorie.yml", lambda d: d.pop("fee"))
    edit(catalog_copy, "forms/petitie.yml", lambda d: d.update(department="nicio"))
    with pytest.raises(CatalogError) as raised:
        load_catalog(catalog_copy)
    assert len(raised.value.problems) == 2
    message = str(raised.value)
    assert "casatorie.yml: fee" in message and "petitie.yml: department" in message


def test_cli_check_exits_1_and_prints_file_and_field(
    catalog_copy: Path, capsys: pytest.CaptureFixture
) -> None:
    edit(catalog_copy, "forms/casatorie.yml", lambda d: d["fee"].pop("source"))
    code = main(["--root", str(catalog_copy), "check", "--skip-nlu"])
    err = capsys.readouterr().err
    assert code == 1
    assert "casatorie.yml: fee.source: is required" in err


def test_pdf_whose_fields_differ_from_the_catalog_is_reported(catalog: Catalog) -> None:
    petitie = catalog.get("petitie")
    other = catalog.get("audienta")
    problems = _form_problems(petitie, build_pdf(other))
    text = "\n".join(problems)
    assert "petitie.yml: fields (continut): missing from the generated PDF" in text
    assert "the PDF has a field 'problema' the catalog lacks" in text
    assert _form_problems(petitie, build_pdf(petitie)) == []


def test_stale_nlu_file_is_a_check_error(tmp_path: Path) -> None:
    stale = tmp_path / "forms_catalog.yml"
    stale.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    problems = run_checks(nlu_path=stale, pdfs=False)
    assert len(problems) == 1 and "out of date" in problems[0] and "make catalog" in problems[0]


def test_every_name_of_the_repository_catalog_can_be_extracted(catalog: Catalog) -> None:
    assert unextractable_names(catalog) == []


def test_a_synonym_of_filler_words_only_fails_the_check(catalog_copy: Path) -> None:
    edit(catalog_copy, "forms/audienta.yml", lambda d: d["synonyms"].append("de la"))
    problems = run_checks(catalog_copy, nlu_path=None, pdfs=False)
    assert len(problems) == 1, problems
    assert "audienta.yml: synonyms: 'de la' is never extracted as audienta" in problems[0]
    assert "finds nothing" in problems[0]


def test_a_synonym_that_reads_like_another_forms_name_fails_the_check(catalog_copy: Path) -> None:
    """Same words as "certificat de urbanism" but for another filler: one of the two loses."""
    edit(catalog_copy, "forms/audienta.yml", lambda d: d["synonyms"].append("certificat pentru urbanism"))
    problems = run_checks(catalog_copy, nlu_path=None, pdfs=False)
    assert problems, "an ambiguous synonym must be reported"
    assert all("is never extracted as" in p for p in problems)
    assert any("audienta" in p and "certificat_urbanism" in p for p in problems)
