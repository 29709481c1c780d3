"""A whitespace tokenizer that hands the rest of the pipeline folded Romanian tokens."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_ro.normalize import fold

# Only free text is folded; intent and action names pass through unchanged.
_FOLDED_ATTRIBUTES = {TEXT, ACTION_TEXT}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class RomanianTokenizer(WhitespaceTokenizer):
    """Tokenizes like Rasa's ``WhitespaceTokenizer``, on text folded by :func:`fold`.

    Every featurizer and classifier after it sees "sa", "certificatul", "urbanism"
    whether the citizen typed "să", "ş", "CERTIFICATUL" or "urbanism???". The message
    text itself is left as typed (the archive and the clerk see the original); token
    offsets still point into it because folding keeps every character in place.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RomanianTokenizer:
        """Creates the tokenizer (it has nothing to train or load)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenizes the folded text of ``attribute``."""
        text = message.get(attribute)
        if attribute not in _FOLDED_ATTRIBUTES or not isinstance(text, str):
            return super().tokenize(message, attribute)
        folded = Message(data={attribute: fold(text)})
        return super().tokenize(folded, attribute)
