"""nlu_ro/intent_classifier.py ranks intents exactly as Rasa's LogisticRegressionClassifier."""

from pathlib import Path
from typing import List, Tuple

import numpy as np
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


def _pipeline(classifier_class: type, config: dict, tmp_path: Path) -> Tuple[object, object, object]:
    """A tokenizer, featurizer and ``classifier_class`` trained on TRAINING with ``config``
    (over the class's defaults) and reloaded from its model storage."""
    tmp_path.mkdir()
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer, featurizer = _featurizers(storage, context)
    data = RasaYAMLReader().reads(TRAINING)
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    config = {**classifier_class.get_default_config(), **config}
    resource = Resource("intents")
    classifier_class.create(config, storage, resource, context).train(data)
    loaded = classifier_class.load(config, storage, resource, context)
    return tokenizer, featurizer, loaded


def _ranked(classifier_class: type, tmp_path: Path) -> Tuple[List[List[Tuple[str, float]]], object]:
    tokenizer, featurizer, loaded = _pipeline(classifier_class, {"random_state": 42}, tmp_path)
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


def _trained(config: dict, tmp_path: Path) -> Tuple[object, object, object]:
    """Our classifier's pipeline trained with ``config`` (see :func:`_pipeline`)."""
    return _pipeline(RomanianLogisticRegressionClassifier, config, tmp_path)


def _top(parts: Tuple[object, object, object], text: str) -> Tuple[str, float]:
    tokenizer, featurizer, classifier = parts
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    featurizer.process([message])
    classifier.process([message])
    return message.get(INTENT)["name"], message.get(INTENT)["confidence"]


def test_normalize_gives_every_message_unit_length_features_and_c_reaches_sklearn(tmp_path: Path) -> None:
    parts = _trained({"normalize": True, "C": 50.0}, tmp_path / "model")
    tokenizer, featurizer, classifier = parts
    assert classifier.clf.C == 50.0
    messages = [Message(data={TEXT: t}) for t in ("gropi", "strada e plina de gropi si nu vine nimeni " * 6)]
    tokenizer.process(messages)
    featurizer.process(messages)
    rows = classifier._create_X(messages)
    assert np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1))).ravel() == pytest.approx([1.0, 1.0])


def test_with_normalize_a_complaint_said_five_times_over_is_the_same_complaint(tmp_path: Path) -> None:
    once = "nu merge apa pe strada"
    five_times = " ".join([once] * 5)
    normalized = _trained({"normalize": True, "C": 50.0}, tmp_path / "normalized")
    intent, confidence = _top(normalized, once)
    repeated_intent, repeated_confidence = _top(normalized, five_times)
    assert intent == repeated_intent == "out_of_scope_infrastructure"
    assert repeated_confidence == pytest.approx(confidence, abs=0.05)
    # Rasa's raw counts grow with the repetition: five times the words, far more certainty.
    raw = _trained({}, tmp_path / "raw")
    assert _top(raw, five_times)[1] - _top(raw, once)[1] > 0.05


def test_normalize_each_featurizer_gives_each_featurizers_block_unit_length(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer, chars = _featurizers(storage, context)
    words = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "word"},
        storage,
        Resource("words"),
        context,
    )
    data = RasaYAMLReader().reads(TRAINING)
    tokenizer.process_training_data(data)
    for featurizer in (words, chars):
        featurizer.train(data)
        featurizer.process_training_data(data)
    config = {**RomanianLogisticRegressionClassifier.get_default_config(), "normalize": True, "C": 50.0}
    each = RomanianLogisticRegressionClassifier.create(
        {**config, "normalize_each_featurizer": True}, storage, Resource("each"), context
    )
    whole = RomanianLogisticRegressionClassifier.create(config, storage, Resource("whole"), context)
    each.train(data)
    messages = [Message(data={TEXT: t}) for t in ("gropi", "strada e plina de gropi si nu vine nimeni " * 6)]
    tokenizer.process(messages)
    for featurizer in (words, chars):
        featurizer.process(messages)
    n_words = len(words._get_attribute_vocabulary(TEXT) or {})
    rows = each._create_X(messages)
    for block in (rows[:, :n_words], rows[:, n_words:]):
        assert np.sqrt(np.asarray(block.multiply(block).sum(axis=1))).ravel() == pytest.approx([1.0, 1.0])
    # Without the option the two blocks share one unit length, the many n-grams outweighing the words.
    together = whole._create_X(messages)
    assert together.shape == rows.shape
    assert np.sqrt(np.asarray(together.multiply(together).sum(axis=1))).ravel() == pytest.approx([1.0, 1.0])
    word_part = together[:, :n_words]
    assert np.asarray(word_part.multiply(word_part).sum(axis=1)).ravel().max() < 0.5
    # And the classifier trained on such rows still ranks its own examples.
    assert (
        _top((tokenizer, _Both(words, chars), each), "nu merge apa pe strada")[0]
        == "out_of_scope_infrastructure"
    )


class _Both:
    """Two featurizers run one after the other, as a pipeline does."""

    def __init__(self, *featurizers: CountVectorsFeaturizer) -> None:
        self.featurizers = featurizers

    def process(self, messages: List[Message]) -> None:
        for featurizer in self.featurizers:
            featurizer.process(messages)
