from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from nlu_ro.unknown_words import UnknownWordsFallback

TRAINING = """
version: "3.1"
nlu:
  - intent: affirm
    examples: |
      - da
      - sigur
  - intent: ask_procedure_documents
    examples: |
      - ce acte trebuie pentru certificatul de urbanism
"""


@pytest.fixture
def guard(tmp_path: Path) -> UnknownWordsFallback:
    storage, resource = LocalModelStorage(tmp_path), Resource("guard")
    context = ExecutionContext(GraphSchema({}), "test")
    config = UnknownWordsFallback.get_default_config()
    UnknownWordsFallback.create(config, storage, resource, context).train(RasaYAMLReader().reads(TRAINING))
    return UnknownWordsFallback.load(config, storage, resource, context)


def classified(text: str) -> Message:
    return Message(data={TEXT: text, INTENT: {"name": "affirm", "confidence": 0.4}, INTENT_RANKING_KEY: []})


@pytest.mark.parametrize("text", ["qwkzx vbnmp", "", "   ", "😀😀😀", "12345"])
def test_messages_without_known_words_go_to_fallback(guard: UnknownWordsFallback, text: str) -> None:
    (message,) = guard.process([classified(text)])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", ["DA!", "ce ACTE?", "certificatului", "urbanismul meu", "Sigur că da"])
def test_known_words_folded_or_inflected_keep_the_classifier_intent(
    guard: UnknownWordsFallback, text: str
) -> None:
    (message,) = guard.process([classified(text)])
    assert message.get(INTENT)["name"] == "affirm"
