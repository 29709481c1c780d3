"""Messages with no word the assistant has ever seen go to the fallback, not to a guess.

A linear classifier still ranks intents for "qwkzx vbnmp", "😀😀😀" or an empty message,
and with nothing to go on it picks whichever intent has the shortest examples (usually
``affirm``). This component, placed after the intent classifier and before Rasa's
``FallbackClassifier``, replaces the intent by ``nlu_fallback`` when none of the
message's (folded) words is known from the training data, so the citizen is asked to
rephrase instead of being told "Cu ce vă pot ajuta?" as if they had said "da".
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Set, Text

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_ro.phrase_matcher import words_of

logger = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"


def _is_word(word: str) -> bool:
    return any(c.isalpha() for c in word)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    """Sends messages without any known word to ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {
            # A typed word counts as known when its first `prefix_length` letters start
            # a known word (inflections and typos at the end of long words still count).
            "prefix_length": 5,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Set[Text]] = None,
    ) -> None:
        """Creates the component with the vocabulary it learnt (if any)."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary: Set[Text] = vocabulary or set()
        self._prefixes = self._prefixes_of(self.vocabulary)

    def _prefixes_of(self, vocabulary: Set[Text]) -> Set[Text]:
        length = self._config["prefix_length"]
        return {word[:length] for word in vocabulary if len(word) >= length}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsFallback:
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns every folded word of the training examples, synonyms and lookups."""
        vocabulary: Set[Text] = set()
        texts = [m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)]
        texts += list(training_data.entity_synonyms)
        for table in training_data.lookup_tables:
            texts += [str(e) for e in table.get("elements", [])]
        for text in texts:
            vocabulary.update(w.text for w in words_of(text) if _is_word(w.text))
        self.vocabulary = vocabulary
        self._prefixes = self._prefixes_of(vocabulary)
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / VOCABULARY_FILE, sorted(vocabulary))
        return self._resource

    def knows(self, word: Text) -> bool:
        """Whether a folded word is known, exactly or by its beginning."""
        length = self._config["prefix_length"]
        return word in self.vocabulary or (len(word) >= length and word[:length] in self._prefixes)

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces the intent of messages with no known word by ``nlu_fallback``."""
        if not self.vocabulary:
            return messages
        for message in messages:
            words = [w.text for w in words_of(message.get(TEXT) or "") if _is_word(w.text)]
            if any(self.knows(word) for word in words):
                continue
            fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.data[INTENT] = fallback
            message.data.setdefault(INTENT_RANKING_KEY, [])
            message.data[INTENT_RANKING_KEY].insert(0, dict(fallback))
        return messages

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsFallback:
        """Loads the vocabulary saved at training."""
        try:
            with model_storage.read_from(resource) as directory:
                words = rasa.shared.utils.io.read_json_file(directory / VOCABULARY_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning(f"{cls.__name__}: no vocabulary in the model; it lets every message through.")
            words = []
        return cls(config, model_storage, resource, set(words))
