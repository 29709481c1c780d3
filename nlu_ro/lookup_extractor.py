"""Entity extractor for closed vocabularies (the forms catalog), tolerant of how people type."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_ro.phrase_matcher import PhraseMatcher

logger = logging.getLogger(__name__)

PHRASES_FILE = "phrases.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class FuzzyLookupEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts entities whose values form a closed list, such as the catalog's form ids.

    It learns, for each configured entity, every surface phrase that stands for a value:
    the synonyms of the training data (``- synonym: certificat_urbanism``) whose value is
    annotated or whose surface is in the entity's lookup table, the values
    themselves, and the annotated examples (``[certificatul de urbansim]{"entity":
    "form", "value": "certificat_urbanism"}``). At prediction it finds those phrases with
    :class:`~nlu_ro.phrase_matcher.PhraseMatcher` — folding diacritics and case,
    accepting inflected endings and typos — and outputs the canonical value, so no
    synonym mapper is needed after it.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {"entities": ["form"]}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        phrases: Optional[Dict[Text, Dict[Text, Text]]] = None,
    ) -> None:
        """Creates the extractor; ``phrases`` maps entity → surface phrase → value."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.phrases: Dict[Text, Dict[Text, Text]] = phrases or {}
        self._matchers = {entity: PhraseMatcher(by_phrase) for entity, by_phrase in self.phrases.items()}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FuzzyLookupEntityExtractor:
        """Creates an untrained extractor."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects the phrases of every configured entity from the training data."""
        entities = set(self._config["entities"])
        phrases: Dict[Text, Dict[Text, Text]] = {entity: {} for entity in entities}
        values: Dict[Text, set] = {entity: set() for entity in entities}

        for example in training_data.entity_examples:
            text = example.get(TEXT)
            for entity in example.get(ENTITIES, []):
                name = entity[ENTITY_ATTRIBUTE_TYPE]
                if name not in entities:
                    continue
                value = str(entity[ENTITY_ATTRIBUTE_VALUE])
                surface = text[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]]
                phrases[name][surface] = value
                values[name].add(value)

        # Synonyms are not tagged with an entity name; they belong to an entity when
        # their value is one of its annotated values, or when the surface is in the
        # entity's lookup table (``- lookup: form``): a form added to the catalog is
        # found by all its names even before any hand-written example mentions it.
        looked_up = {
            name: {
                str(e).lower()
                for t in training_data.lookup_tables
                if t.get("name") == name
                for e in t.get("elements", [])
            }
            for name in entities
        }
        for surface, value in training_data.entity_synonyms.items():
            for name in entities:
                if surface.lower() in looked_up[name]:
                    values[name].add(value)
        for surface, value in training_data.entity_synonyms.items():
            for name in entities:
                if value in values[name]:
                    phrases[name][surface] = value
        for name in entities:
            for value in values[name]:
                phrases[name].setdefault(value.replace("_", " "), value)

        for name in entities:
            if not phrases[name]:
                rasa.shared.utils.io.raise_warning(
                    f"{self.__class__.__name__}: the training data has no annotated "
                    f"example of entity '{name}', so it will never be extracted."
                )
        self.phrases = phrases
        self._matchers = {e: PhraseMatcher(p) for e, p in phrases.items()}
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the entities found in each message's text."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = []
            for name, matcher in self._matchers.items():
                for match in matcher.find(text):
                    found.append(
                        {
                            ENTITY_ATTRIBUTE_TYPE: name,
                            ENTITY_ATTRIBUTE_START: match.start,
                            ENTITY_ATTRIBUTE_END: match.end,
                            ENTITY_ATTRIBUTE_VALUE: match.value,
                            ENTITY_ATTRIBUTE_CONFIDENCE: round(match.score, 3),
                        }
                    )
            found = self.add_extractor_name(found)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves the training data unchanged (annotations are the ground truth)."""
        return training_data

    def persist(self) -> None:
        """Saves the learnt phrases."""
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / PHRASES_FILE, self.phrases)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FuzzyLookupEntityExtractor:
        """Loads the phrases saved by :meth:`persist`."""
        try:
            with model_storage.read_from(resource) as directory:
                phrases = rasa.shared.utils.io.read_json_file(directory / PHRASES_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning(
                f"{cls.__name__}: no trained phrases found in the model; "
                f"no entity will be extracted. Retrain the model."
            )
            phrases = {}
        return cls(config, model_storage, resource, phrases)
