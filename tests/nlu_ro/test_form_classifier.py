"""nlu_ro/form_classifier.py, trained and reloaded through Rasa's own model storage."""

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from nlu_ro.form_classifier import CatalogFormClassifier

FORM = '{{"entity": "form", "value": "{}"}}'
TRAINING = f"""
version: "3.1"
nlu:
  - intent: ask_procedure
    examples: |
      - cum fac [declarația de căsătorie]{FORM.format("casatorie")}?
      - ce acte trebuie pentru [cununia civilă]{FORM.format("casatorie")}
      - cum obțin un [duplicat]{FORM.format("duplicat_stare_civila")} după certificat?
      - cum declar [casa cumpărată]{FORM.format("declaratie_cladire")} la impozite
      - cum se cere [ajutorul de încălzire]{FORM.format("ajutor_incalzire")}?
      - care e procedura?
  - intent: ask_procedure
    metadata:
      form: casatorie
    examples: |
      - ne luăm în august, ce avem de făcut
      - vrem să facem nunta la primărie
      - mă mărit luna viitoare
      - eu și logodnica vrem să ne cununăm
  - intent: ask_procedure
    metadata:
      form: duplicat_stare_civila
    examples: |
      - mi-am pierdut certificatul de naștere
      - certificatul de căsătorie s-a rupt, îmi trebuie altul
      - nu mai găsesc certificatul de naștere
  - intent: ask_procedure
    metadata:
      form: declaratie_cladire
    examples: |
      - am moștenit casa de la părinți
      - am primit o casă moștenire de la bunica
      - am cumpărat apartament, unde plătesc impozitul
  - intent: ask_procedure
    metadata:
      form: ajutor_incalzire
    examples: |
      - nu mai avem bani de lemne la iarnă
      - iarna e greu cu facturile la gaze
      - nu ne ajung banii să ne încălzim casa
  - intent: greet
    examples: |
      - bună ziua
      - salut
      - bună seara, doamnă
  - intent: out_of_scope_infrastructure
    examples: |
      - nu merge apa pe strada mea
      - strada e plină de gropi
      - când se face canalizarea
  - intent: affirm
    examples: |
      - da
      - sigur
      - exact
  - synonym: casatorie
    examples: |
      - căsătorie
      - cununie
"""


@pytest.fixture
def classifier(tmp_path: Path) -> CatalogFormClassifier:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("form_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    config = CatalogFormClassifier.get_default_config()
    CatalogFormClassifier.create(config, storage, resource, context).train(RasaYAMLReader().reads(TRAINING))
    return CatalogFormClassifier.load(config, storage, resource, context)


def parsed(
    classifier: CatalogFormClassifier,
    text: str,
    intent: str,
    confidence: float,
    entities: Optional[List[Dict[str, Any]]] = None,
) -> Message:
    """Runs the classifier on a message as the pipeline hands it over."""
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}])
    message.set(ENTITIES, entities or [])
    classifier.process([message])
    return message


def forms(message: Message) -> List[str]:
    return [e["value"] for e in message.get(ENTITIES) if e["entity"] == "form"]


@pytest.mark.parametrize(
    "text, form_id",
    [
        ("ne casatorim in iunie", "casatorie"),
        ("am mostenit o casa de la bunici", "declaratie_cladire"),
        ("iarna asta nu ne ajung banii de încălzit", "ajutor_incalzire"),
    ],
)
def test_a_procedure_question_gets_the_form_it_describes(
    classifier: CatalogFormClassifier, text: str, form_id: str
) -> None:
    message = parsed(classifier, text, "ask_procedure", 0.8)
    assert forms(message) == [form_id]
    entity = message.get(ENTITIES)[0]
    assert entity["extractor"] == "CatalogFormClassifier"
    assert message.get(INTENT)["name"] == "ask_procedure"


def test_a_fallback_with_a_described_form_becomes_a_procedure_question(
    classifier: CatalogFormClassifier,
) -> None:
    message = parsed(classifier, "ne luam in iunie la primarie", "nlu_fallback", 0.3)
    assert forms(message) == ["casatorie"]
    assert message.get(INTENT)["name"] == "ask_procedure"
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "ask_procedure"


def test_a_weak_intent_with_a_named_form_becomes_a_procedure_question(
    classifier: CatalogFormClassifier,
) -> None:
    named = {"entity": "form", "value": "casatorie", "start": 7, "end": 16, "confidence": 1.0}
    message = parsed(classifier, "cerere cununie", "affirm", 0.4, [named])
    assert message.get(INTENT)["name"] == "ask_procedure"
    assert forms(message) == ["casatorie"]


def test_a_confident_other_intent_is_left_alone(classifier: CatalogFormClassifier) -> None:
    message = parsed(classifier, "bună ziua", "greet", 0.95)
    assert message.get(INTENT)["name"] == "greet"
    assert forms(message) == []


def test_an_infrastructure_complaint_never_becomes_a_procedure(classifier: CatalogFormClassifier) -> None:
    message = parsed(
        classifier, "nu ne ajung banii, și nici apă nu avem pe stradă", "out_of_scope_infrastructure", 0.35
    )
    assert message.get(INTENT)["name"] == "out_of_scope_infrastructure"
    assert forms(message) == []


def test_of_two_named_forms_the_one_the_message_is_about_comes_first(
    classifier: CatalogFormClassifier,
) -> None:
    text = "am pierdut certificatu de nastere, cum fac un duplicat"
    birth = {"entity": "form", "value": "inregistrare_nastere", "start": 11, "end": 33}
    duplicate = {"entity": "form", "value": "duplicat_stare_civila", "start": 46, "end": 54}
    message = parsed(classifier, text, "ask_procedure", 0.9, [birth, duplicate])
    assert forms(message) == ["duplicat_stare_civila", "inregistrare_nastere"]


def test_without_training_it_changes_nothing(tmp_path: Path) -> None:
    context = ExecutionContext(GraphSchema({}), "test")
    config = CatalogFormClassifier.get_default_config()
    untrained = CatalogFormClassifier.load(config, LocalModelStorage(tmp_path), Resource("none"), context)
    message = parsed(untrained, "ne casatorim in iunie", "nlu_fallback", 0.3)
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert forms(message) == []


def test_a_short_message_describing_a_form_overrides_a_weak_other_intent(
    classifier: CatalogFormClassifier,
) -> None:
    message = parsed(classifier, "am moștenit o casă de la bunici", "out_of_scope", 0.47)
    assert message.get(INTENT)["name"] == "ask_procedure"
    assert forms(message) == ["declaratie_cladire"]


def test_a_long_letter_sharing_words_with_a_situation_keeps_its_weak_intent(
    classifier: CatalogFormClassifier,
) -> None:
    letter = (
        "iarna e greu cu facturile la gaze, nu ne ajung banii să ne încălzim casa și "
        "nimeni de la stat nu se gândește la pensionari, e o rușine ce se întâmplă"
    )
    message = parsed(classifier, letter, "out_of_scope", 0.45)
    assert message.get(INTENT)["name"] == "out_of_scope"
    assert forms(message) == []  # nor would a later "și cât costă?" be about a form


def test_the_reloaded_classifier_scores_as_its_scikit_learn_pipeline(
    classifier: CatalogFormClassifier,
) -> None:
    """The fast per-message scorer is used, and its probabilities are the pipeline's."""
    from nlu_ro.normalize import fold

    assert classifier._scorer is not None
    for text in ("ne casatorim in iunie", "bună ziua", "qwkzx", "am moștenit o casă"):
        expected = classifier.model.predict_proba([" ".join(fold(text).split())])[0]
        got = classifier.form_probabilities(text)
        assert [got[str(c)] for c in classifier.model.classes_] == pytest.approx(list(expected), abs=1e-12)


@pytest.fixture
def strict_classifier(tmp_path: Path) -> CatalogFormClassifier:
    """Named forms rescue weak intents other than the fallback only in messages of at most 12 words."""
    (tmp_path / "strict").mkdir()
    storage = LocalModelStorage(tmp_path / "strict")
    resource = Resource("form_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**CatalogFormClassifier.get_default_config(), "name_max_words": 12}
    CatalogFormClassifier.create(config, storage, resource, context).train(RasaYAMLReader().reads(TRAINING))
    return CatalogFormClassifier.load(config, storage, resource, context)


COMPLAINT = (
    "am făcut o cerere de cununie acum doi ani și de atunci nimeni de la primărie "
    "nu mai răspunde la nimic, e o bătaie de joc"
)


def test_a_long_complaint_naming_a_form_in_passing_keeps_its_weak_intent(
    strict_classifier: CatalogFormClassifier,
) -> None:
    named = {"entity": "form", "value": "casatorie", "start": 19, "end": 26, "confidence": 1.0}
    message = parsed(strict_classifier, COMPLAINT, "out_of_scope", 0.45, [named])
    assert message.get(INTENT)["name"] == "out_of_scope"


def test_without_a_word_limit_the_same_complaint_becomes_a_procedure_question(
    classifier: CatalogFormClassifier,
) -> None:
    named = {"entity": "form", "value": "casatorie", "start": 19, "end": 26, "confidence": 1.0}
    message = parsed(classifier, COMPLAINT, "out_of_scope", 0.45, [named])
    assert message.get(INTENT)["name"] == "ask_procedure"


def test_a_long_fallback_naming_a_form_is_still_answered_about_it(
    strict_classifier: CatalogFormClassifier,
) -> None:
    named = {"entity": "form", "value": "casatorie", "start": 19, "end": 26, "confidence": 1.0}
    message = parsed(strict_classifier, COMPLAINT, "nlu_fallback", 0.2, [named])
    assert message.get(INTENT)["name"] == "ask_procedure"
    assert forms(message) == ["casatorie"]


def test_a_short_message_naming_a_form_is_still_answered_about_it(
    strict_classifier: CatalogFormClassifier,
) -> None:
    named = {"entity": "form", "value": "casatorie", "start": 7, "end": 16, "confidence": 1.0}
    message = parsed(strict_classifier, "cerere cununie", "affirm", 0.4, [named])
    assert message.get(INTENT)["name"] == "ask_procedure"
