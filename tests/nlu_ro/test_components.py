"""The two graph components, run with Rasa's own objects (storage, messages, training data)."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from nlu_ro.lookup_extractor import FuzzyLookupEntityExtractor
from nlu_ro.normalize import fold
from nlu_ro.tokenizer import RomanianTokenizer

TRAINING = """
version: "3.1"
nlu:
  - intent: ask_procedure_documents
    examples: |
      - ce acte trebuie pentru [certificatul de urbanism]{"entity": "form", "value": "certificat_urbanism"}
      - acte [certificat fiscal]{"entity": "form", "value": "certificat_fiscal"}
  - synonym: certificat_urbanism
    examples: |
      - CU
      - certificat urbanism
"""


def tokens(text: str) -> list:
    tokenizer = RomanianTokenizer(RomanianTokenizer.get_default_config())
    message = Message(data={TEXT: text})
    return tokenizer.tokenize(message, TEXT)


def test_tokens_are_folded_and_keep_offsets() -> None:
    text = "Bună ziua, CERTIFICATUL de urbanism??? Şi naşterea"
    result = tokens(text)
    assert [t.text for t in result] == [
        "buna",
        "ziua",
        "certificatul",
        "de",
        "urbanism",
        "si",
        "nasterea",
    ]
    for token in result:
        assert fold(text[token.start : token.end]) == token.text


def test_spelling_variants_give_identical_tokens() -> None:
    variants = ["Căsătorie și naștere", "casatorie si nastere", "CĂSĂTORIE ŞI NAŞTERE"]
    assert len({tuple(t.text for t in tokens(v)) for v in variants}) == 1


def test_message_text_is_left_as_typed() -> None:
    tokenizer = RomanianTokenizer(RomanianTokenizer.get_default_config())
    message = Message(data={TEXT: "Înregistrare naștere"})
    tokenizer.process([message])
    assert message.get(TEXT) == "Înregistrare naștere"


@pytest.fixture
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def test_extractor_learns_annotations_and_synonyms_then_reloads(storage: LocalModelStorage) -> None:
    resource = Resource("form_extractor")
    config = FuzzyLookupEntityExtractor.get_default_config()
    extractor = FuzzyLookupEntityExtractor.create(config, storage, resource, _context())
    extractor.train(RasaYAMLReader().reads(TRAINING))

    loaded = FuzzyLookupEntityExtractor.load(config, storage, resource, _context())
    messages = [
        Message(data={TEXT: "cât costă certificatul de urbansim?"}),
        Message(data={TEXT: "cat dureaza un CU"}),
        Message(data={TEXT: "vreau certificatul fiscal"}),
        Message(data={TEXT: "vorbesc cu cineva"}),
    ]
    loaded.process(messages)
    values = [[e["value"] for e in m.get(ENTITIES, [])] for m in messages]
    assert values == [["certificat_urbanism"], ["certificat_urbanism"], ["certificat_fiscal"], []]
    entity = messages[0].get(ENTITIES)[0]
    assert entity["entity"] == "form"
    assert entity["extractor"] == "FuzzyLookupEntityExtractor"
    assert messages[0].get(TEXT)[entity["start"] : entity["end"]] == "certificatul de urbansim"


def test_extractor_learns_synonyms_of_the_lookup_table_without_any_annotated_example(
    storage: LocalModelStorage,
) -> None:
    """A form just added to the catalog has synonyms and lookup entries, no example yet."""
    training = RasaYAMLReader().reads(
        TRAINING
        + """
  - synonym: abonament_parcare
    examples: |
      - abonament de parcare
      - parcare rezidentiala
  - lookup: form
    examples: |
      - abonament de parcare
      - parcare rezidentiala
"""
    )
    resource = Resource("form_extractor")
    config = FuzzyLookupEntityExtractor.get_default_config()
    FuzzyLookupEntityExtractor.create(config, storage, resource, _context()).train(training)
    loaded = FuzzyLookupEntityExtractor.load(config, storage, resource, _context())
    messages = [
        Message(data={TEXT: "ce acte trebuie pentru abonamentul de parcare"}),
        Message(data={TEXT: "parcare rezidențială, cât costă?"}),
    ]
    loaded.process(messages)
    assert [[e["value"] for e in m.get(ENTITIES, [])] for m in messages] == [
        ["abonament_parcare"],
        ["abonament_parcare"],
    ]


def test_extractor_without_training_extracts_nothing(storage: LocalModelStorage) -> None:
    config = FuzzyLookupEntityExtractor.get_default_config()
    extractor = FuzzyLookupEntityExtractor.load(config, storage, Resource("missing"), _context())
    message = Message(data={TEXT: "certificat de urbanism"})
    extractor.process([message])
    assert message.get(ENTITIES, []) == []
