"""nlu_ro/intent_classifier.py ranks intents exactly as Rasa's LogisticRegressionClassifier."""

from pathlib import Path
from typing import List, Tuple

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from nlu_ro.intent_classifier import RomanianLogisticRegressionClassifier
from nlu_ro.tokenizer import RomanianTokenizer

TRAINING = """
version: "3.1"
nlu:
  - intent: ask_procedure_fee
    examples: |
      - cât costă certificatul de urbanism
      - care e taxa pentru autorizație
      - cât se plătește la cununie
  - intent: ask_schedule
    examples: |
      - ce program are primăria
      - la ce oră se deschide
      - sunteți deschiși sâmbăta
  - intent: out_of_scope_infrastructure
    examples: |
      - strada e plină de gropi
      - nu merge apa pe strada mea
      - când asfaltați drumul
  - intent: greet
    examples: |
      - bună ziua
      - salut
"""
PROBES = ["cat costa autorizatia", "gropi pe strada", "buna", "program sambata", "qwkzx"]


def _featurizers(storage: LocalModelStorage, context: ExecutionContext) -> Tuple:
    tokenizer = RomanianTokenizer(RomanianTokenizer.get_default_config())
    featurizer = CountVectorsFeaturizer.create(
        {
            **CountVectorsFeaturizer.get_default_config(),
            "analyzer": "char_wb",
            "min_ngram": 2,
            "max_ngram": 4,
        },
        storage,
        Resource("cvf"),
        context,
    )
    return tokenizer, featurizer


def _ranked(classifier_class: type, tmp_path: Path) -> Tuple[List[List[Tuple[str, float]]], object]:
    tmp_path.mkdir()
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer, featurizer = _featurizers(storage, context)
    data = RasaYAMLReader().reads(TRAINING)
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    config = {**classifier_class.get_default_config(), "random_state": 42}
    resource = Resource("intents")
    classifier_class.create(config, storage, resource, context).train(data)
    loaded = classifier_class.load(config, storage, resource, context)
    rankings = []
    for text in PROBES:
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        featurizer.process([message])
        loaded.process([message])
        assert message.get(INTENT)["name"] == message.get(INTENT_RANKING_KEY)[0]["name"]
        rankings.append([(r["name"], r["confidence"]) for r in message.get(INTENT_RANKING_KEY)])
    return rankings, loaded


def test_it_ranks_every_message_as_rasas_classifier(tmp_path: Path) -> None:
    expected, _ = _ranked(LogisticRegressionClassifier, tmp_path / "rasa")
    got, loaded = _ranked(RomanianLogisticRegressionClassifier, tmp_path / "ours")
    for mine, theirs in zip(got, expected):
        assert [name for name, _ in mine] == [name for name, _ in theirs]
        assert [c for _, c in mine] == pytest.approx([c for _, c in theirs], abs=1e-12)
    # The point of the subclass: a contiguous transpose, so no copy per message.
    assert loaded.clf.coef_.T.flags["C_CONTIGUOUS"]


def test_an_untrained_model_loads_without_coefficients(tmp_path: Path) -> None:
    context = ExecutionContext(GraphSchema({}), "test")
    config = RomanianLogisticRegressionClassifier.get_default_config()
    loaded = RomanianLogisticRegressionClassifier.load(
        config, LocalModelStorage(tmp_path), Resource("missing"), context
    )
    assert not hasattr(loaded.clf, "coef_")
