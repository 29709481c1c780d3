"""Adding a form is one file (issue 15): a new catalog YAML, `make catalog`, retrain, and the
assistant recognises the form by its name and by what citizens say about it.

Everything happens in a temporary copy: the real catalog and data/ are never touched. A
real NLU model is trained with the project's config.yml (about 20-40 s).
"""

import shutil
from pathlib import Path

import pytest
import yaml

from forms_catalog import load_catalog
from forms_catalog.check import run_checks
from forms_catalog.nlu import render_nlu

REPO = Path(__file__).resolve().parents[2]
NEW_FORM = "abonament_parcare"


def add_parking_form(catalog_root: Path) -> None:
    """A form with its own name, synonyms and situations, the rest borrowed from another."""
    data = yaml.safe_load((catalog_root / "forms" / "certificat_fiscal.yml").read_text(encoding="utf-8"))
    data.update(
        id=NEW_FORM,
        title="Abonament de parcare rezidențială",
        form_title="Cerere pentru abonament de parcare rezidențială",
        synonyms=[
            "abonament de parcare",
            "abonament parcare",
            "abonamentul de parcare",
            "parcare rezidențială",
            "parcare rezidentiala",
            "loc de parcare",
        ],
        situations=[
            "vreau să-mi las mașina peste noapte în parcarea de lângă bloc",
            "unde parchez legal mașina lângă blocul în care locuiesc",
            "am primit amendă că am parcat în fața blocului, cum obțin dreptul",
            "cum pot parca în fața casei fără să iau amendă",
            "vecinii îmi ocupă locul din fața scării, vreau să-l am pe numele meu",
        ],
    )
    (catalog_root / "forms" / f"{NEW_FORM}.yml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def trained_with_new_form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog copy with the new form, its generated NLU data, and a model trained on it."""
    from rasa.model_training import train_nlu

    from forms_catalog.loader import PACKAGE_DIR

    root = tmp_path_factory.mktemp("catalog")
    for name in ("departments.yml", "fieldsets.yml"):
        shutil.copy(PACKAGE_DIR / name, root / name)
    shutil.copytree(PACKAGE_DIR / "forms", root / "forms")
    add_parking_form(root)
    assert run_checks(root, nlu_path=None, pdfs=False) == []

    data = tmp_path_factory.mktemp("data")
    for path in (REPO / "data" / "nlu").glob("*.yml"):
        if path.name != "forms_catalog.yml":
            shutil.copy(path, data / path.name)
    # What `make catalog` writes, for the copied catalog.
    (data / "forms_catalog.yml").write_text(render_nlu(load_catalog(root)), encoding="utf-8")

    out = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path_factory.mktemp("rasa-cache")))
        model = train_nlu(
            config=str(REPO / "config.yml"),
            nlu_data=str(data),
            output=str(out),
            domain=str(REPO / "domain"),
            fixed_model_name="with-new-form",
        )
    assert model is not None
    return Path(model)


def test_the_generator_writes_labelled_examples_for_every_name(tmp_path: Path) -> None:
    from forms_catalog.loader import PACKAGE_DIR

    root = tmp_path / "catalog"
    root.mkdir()
    for name in ("departments.yml", "fieldsets.yml"):
        shutil.copy(PACKAGE_DIR / name, root / name)
    shutil.copytree(PACKAGE_DIR / "forms", root / "forms")
    add_parking_form(root)
    text = render_nlu(load_catalog(root))
    for name in ("abonament de parcare", "parcare rezidentiala", "loc de parcare"):
        assert f'[{name}]{{"entity": "form", "value": "{NEW_FORM}"}}' in text
    assert f"    form: {NEW_FORM}\n" in text
    assert "    - unde parchez legal mașina lângă blocul în care locuiesc\n" in text


@pytest.fixture(scope="module")
def parse(trained_with_new_form: Path):
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_with_new_form))

    def parse_text(text: str) -> dict:
        return asyncio.run(agent.parse_message(text))

    return parse_text


def form_of(parsed: dict):
    return next((e["value"] for e in parsed["entities"] if e["entity"] == "form"), None)


@pytest.mark.parametrize(
    "text, intents",
    [
        ("ce acte trebuie pentru abonament de parcare", {"ask_procedure_documents"}),
        ("abonament parcare", {"ask_procedure"}),
        ("cat costa abonamentul de parcare?", {"ask_procedure_fee"}),
    ],
)
def test_the_new_form_is_recognised_by_name(parse, text: str, intents: set) -> None:
    parsed = parse(text)
    assert form_of(parsed) == NEW_FORM
    assert parsed["intent"]["name"] in intents


def test_the_new_form_is_recognised_by_what_citizens_describe(parse) -> None:
    parsed = parse("as vrea sa parchez masina in fata blocului unde stau, fara amenda")
    assert form_of(parsed) == NEW_FORM
    assert parsed["intent"]["name"].startswith("ask_procedure")
