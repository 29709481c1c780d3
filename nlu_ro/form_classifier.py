"""Which form a citizen means when they describe their situation instead of naming it.

"ne căsătorim în iunie", "am moștenit o casă de la bunici", "iarna asta nu ne ajung
banii de încălzit": no name of a form, yet each one means a form of the catalog. The
lookup extractor (:mod:`nlu_ro.lookup_extractor`) finds names; this component learns,
from the training data, which words go with which form:

- the ``situations`` the catalog generates into ``data/nlu/forms_catalog.yml``
  (``ask_procedure`` examples whose metadata is ``form: <id>``);
- every example with an annotated ``form`` entity (the whole message goes with its
  value) and every synonym of a form;
- every other example, as "no form", so that "bună ziua" or "nu merge apa" stay formless.

It runs after the intent classifiers and Rasa's ``FallbackClassifier`` and does three
things, only when its choice is clear (probability at least ``threshold``):

1. a procedure question with no form named gets the form it describes;
2. a message whose intent is weak (``nlu_fallback``, or a non-procedure intent below
   ``weak_intent``) but that names a form — in a message of at most ``name_max_words``
   words unless it is ``nlu_fallback`` — or clearly describes one — in at most
   ``describe_max_words`` words unless it is ``nlu_fallback`` — becomes ``ask_procedure``
   about that form, so the citizen gets the form's card instead of "please rephrase";
3. when the lookup found two forms ("am pierdut certificatul de naștere, cum fac un
   duplicat"), the one the message is about comes first.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    METADATA_EXAMPLE,
    METADATA_INTENT,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from nlu_ro.linear_text_model import LinearTextModel
from nlu_ro.normalize import fold

logger = logging.getLogger(__name__)

MODEL_FILE = "form_classifier.joblib"
# The class of messages that mean no form at all.
NO_FORM = ""


def _folded(text: str) -> str:
    return " ".join(fold(text).split())


def _metadata_form(message: Message, key: Text) -> Optional[Text]:
    """The form named by the example's (or its intent block's) metadata, if any."""
    metadata = message.get(METADATA) or {}
    for part in (METADATA_EXAMPLE, METADATA_INTENT):
        values = metadata.get(part)
        if isinstance(values, dict) and values.get(key):
            return str(values[key])
    return None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
    is_trainable=True,
)
class CatalogFormClassifier(GraphComponent, EntityExtractorMixin):
    """Adds the ``form`` a message describes, and answers weak intents about clear forms."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config."""
        return {
            "entity": "form",
            # Metadata key of the catalog's situation examples (forms_catalog/nlu.py).
            "metadata_key": "form",
            # Probability the chosen form needs before the component acts on it.
            "threshold": 0.5,
            # Below this confidence a non-procedure intent gives way to a clear form.
            "weak_intent": 0.5,
            # Longest message (in words) whose described form may override a weak intent.
            "describe_max_words": 12,
            # Longest message (in words) whose *named* form may override a weak intent
            # other than the fallback; None: any length. Complaints name forms in passing
            # ("am făcut o sesizare la primărie", "soțul a decedat") without asking for them.
            "name_max_words": None,
            # Intents a clear form never overrides, however weak: a complaint about works
            # that names a form is answered by the redirect (which handles the form too).
            "keep_intents": ["out_of_scope_infrastructure"],
            "procedure_intent": "ask_procedure",
            "procedure_prefixes": ["ask_procedure", "fill_form"],
            # The logistic regression's inverse regularisation, solver and stopping tolerance.
            "C": 30.0,
            "solver": "lbfgs",
            "tol": 1e-4,
            "random_state": 42,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Any] = None,
    ) -> None:
        """Creates the component, trained when ``model`` is given."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self._scorer = self._fast_scorer(model)

    @classmethod
    def _fast_scorer(cls, model: Optional[Any]) -> Optional[LinearTextModel]:
        """The pipeline's per-message scorer (same probabilities, a tenth of the time)."""
        if model is None:
            return None
        try:
            return LinearTextModel(model)
        except ValueError as error:
            logger.warning(f"{cls.__name__}: scoring with scikit-learn's pipeline ({error}).")
            return None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogFormClassifier:
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    def _samples(self, training_data: TrainingData) -> Tuple[List[str], List[str]]:
        entity = self._config["entity"]
        texts: List[str] = []
        labels: List[str] = []
        forms = set()
        for message in training_data.training_examples:
            text = message.get(TEXT)
            if not text:
                continue
            label = _metadata_form(message, self._config["metadata_key"])
            if label is None:
                values = [
                    e[ENTITY_ATTRIBUTE_VALUE]
                    for e in message.get(ENTITIES) or []
                    if e.get(ENTITY_ATTRIBUTE_TYPE) == entity
                ]
                label = str(values[0]) if values else NO_FORM
            texts.append(_folded(text))
            labels.append(label)
            if label:
                forms.add(label)
        for surface, value in training_data.entity_synonyms.items():
            if value in forms:
                texts.append(_folded(surface))
                labels.append(value)
        return texts, labels

    def train(self, training_data: TrainingData) -> Resource:
        """Fits word and character n-gram features and a logistic regression."""
        texts, labels = self._samples(training_data)
        if len(set(labels) - {NO_FORM}) < 1:
            logger.warning(f"{self.__class__.__name__}: no example names a form; it will do nothing.")
            self.model = None
        else:
            features = FeatureUnion(
                [
                    (
                        "words",
                        TfidfVectorizer(
                            analyzer="word",
                            ngram_range=(1, 2),
                            sublinear_tf=True,
                            token_pattern=r"(?u)\b\w+\b",
                        ),
                    ),
                    ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
                ]
            )
            classifier = LogisticRegression(
                C=self._config["C"],
                solver=self._config["solver"],
                tol=self._config["tol"],
                max_iter=2000,
                random_state=self._config["random_state"],
            )
            self.model = make_pipeline(features, classifier)
            self.model.fit(texts, labels)
        self._scorer = self._fast_scorer(self.model)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.model, directory / MODEL_FILE)
        return self._resource

    def form_probabilities(self, text: Text) -> Dict[Text, float]:
        """Each form's probability for ``text`` ("" is the probability of no form)."""
        if self.model is None or not text:
            return {}
        if self._scorer is not None:
            return self._scorer.probabilities(_folded(text))
        probabilities = self.model.predict_proba([_folded(text)])[0]
        return {str(label): float(p) for label, p in zip(self.model.classes_, probabilities)}

    def _is_procedure(self, intent: Optional[Text]) -> bool:
        return any((intent or "").startswith(p) for p in self._config["procedure_prefixes"])

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds or reorders the form entity and rescues weak intents (see the module)."""
        if self.model is None:
            return messages
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        entity = self._config["entity"]
        text = message.get(TEXT) or ""
        probabilities = self.form_probabilities(text)
        if not probabilities:
            return
        entities: List[Dict[Text, Any]] = list(message.get(ENTITIES) or [])
        named = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) == entity]
        threshold = self._config["threshold"]

        if len({e[ENTITY_ATTRIBUTE_VALUE] for e in named}) > 1:
            # The form the message is about first; the order of the others is kept.
            others = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) != entity]
            named.sort(key=lambda e: -probabilities.get(e[ENTITY_ATTRIBUTE_VALUE], 0.0))
            entities = named + others
        described: Optional[Tuple[str, float]] = None
        if not named:
            form, probability = max(
                ((f, p) for f, p in probabilities.items() if f != NO_FORM),
                key=lambda item: item[1],
                default=(None, 0.0),
            )
            # The form must also beat "no form": a question like "ce acte trebuie?" is
            # a procedure question about no form in particular.
            clear = probability >= threshold and probability > probabilities.get(NO_FORM, 0.0)
            if form is not None and clear:
                described = (form, probability)

        intent = message.get(INTENT) or {}
        name = intent.get(INTENT_NAME_KEY)
        confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        weak = name == DEFAULT_NLU_FALLBACK_INTENT_NAME or (
            not self._is_procedure(name) and confidence < self._config["weak_intent"]
        )
        # A named form rescues any weak intent; a form only described (no name of it in
        # the message) rescues the fallback, and a weak intent only in a short message:
        # long letters about something else ("stăm la coadă de două ore pentru buletin,
        # …") share words with many situations.
        words = len(text.split())
        short = words <= self._config["describe_max_words"]
        name_max_words = self._config["name_max_words"]
        named_counts = name_max_words is None or words <= name_max_words
        fallback = name == DEFAULT_NLU_FALLBACK_INTENT_NAME
        rescue = (
            name not in self._config["keep_intents"]
            and weak
            and bool((named and (fallback or named_counts)) or (described and (fallback or short)))
        )
        if described is not None and (self._is_procedure(name) or rescue):
            form, probability = described
            entities.append(
                self.add_extractor_name(
                    [
                        {
                            ENTITY_ATTRIBUTE_TYPE: entity,
                            ENTITY_ATTRIBUTE_START: 0,
                            ENTITY_ATTRIBUTE_END: len(text),
                            ENTITY_ATTRIBUTE_VALUE: form,
                            ENTITY_ATTRIBUTE_CONFIDENCE: round(probability, 3),
                        }
                    ]
                )[0]
            )
        message.set(ENTITIES, entities, add_to_output=True)
        if rescue:
            self._answer_as_procedure(message, named, described)

    def _answer_as_procedure(
        self,
        message: Message,
        named: Sequence[Dict[Text, Any]],
        described: Optional[Tuple[str, float]],
    ) -> None:
        """Makes the message a general procedure question about its form."""
        if named:
            confidence = float(named[0].get(ENTITY_ATTRIBUTE_CONFIDENCE) or 1.0)
        else:
            confidence = described[1] if described else 0.0
        procedure = {
            INTENT_NAME_KEY: self._config["procedure_intent"],
            PREDICTED_CONFIDENCE_KEY: round(confidence, 3),
        }
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) != procedure[INTENT_NAME_KEY]
        ]
        message.set(INTENT, procedure, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(procedure), *ranking], add_to_output=True)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CatalogFormClassifier:
        """Loads the classifier fitted at training."""
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning(f"{cls.__name__}: no trained classifier in the model; retrain it.")
            model = None
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leaves the training data unchanged (annotations are the ground truth)."""
        return training_data
