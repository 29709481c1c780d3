"""A fitted tf-idf + logistic-regression pipeline, scored one message at a time cheaply.

scikit-learn's ``Pipeline.predict_proba`` is built for batches: for one short message it
spends about 6 ms in the ``FeatureUnion``'s joblib dispatch, in a sparse product with the
n-features x n-features idf diagonal, in sparse stacking and — most of all — in copying the
whole transposed coefficient matrix (classes x 33,000 features) on every call. A chat
message has a few dozen n-grams, so the same probabilities can be computed from the rows
of those n-grams alone: :class:`LinearTextModel` does that in well under a millisecond and
gives the pipeline's own numbers (checked against it in ``tests/nlu_ro``).

Only the shape the form classifier trains is supported: a ``FeatureUnion`` of
``TfidfVectorizer`` s (any analyzer, ``sublinear_tf`` or not, l2 or no norm) followed by a
multinomial ``LogisticRegression``; anything else is refused at build time with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


@dataclass(frozen=True)
class _Block:
    """One vectorizer's part of the feature vector."""

    analyze: Callable[[str], Sequence[str]]
    vocabulary: Dict[str, int]
    idf: np.ndarray
    sublinear: bool
    norm: bool
    offset: int


class LinearTextModel:
    """Class probabilities of one text, equal to the fitted pipeline's ``predict_proba``."""

    def __init__(self, pipeline: Pipeline) -> None:
        """Takes the fitted pipeline apart; raises ``ValueError`` for an unsupported one."""
        if len(pipeline.steps) != 2:
            raise ValueError("expected a pipeline of features then a classifier")
        features, classifier = pipeline.steps[0][1], pipeline.steps[1][1]
        if not isinstance(features, FeatureUnion) or not isinstance(classifier, LogisticRegression):
            raise ValueError("expected a FeatureUnion followed by a LogisticRegression")
        if len(classifier.classes_) < 3 or classifier.multi_class not in ("auto", "multinomial"):
            raise ValueError("expected a multinomial logistic regression over 3 or more classes")
        if classifier.solver == "liblinear":
            raise ValueError("liblinear fits one-vs-rest, not a multinomial model")
        blocks: List[_Block] = []
        offset = 0
        for name, vectorizer in features.transformer_list:
            if not isinstance(vectorizer, TfidfVectorizer) or not vectorizer.use_idf:
                raise ValueError(f"feature {name!r} is not a TfidfVectorizer with idf")
            if vectorizer.norm not in ("l2", None) or vectorizer.binary:
                raise ValueError(f"feature {name!r}: only l2 or no norm, and counts, are supported")
            blocks.append(
                _Block(
                    analyze=vectorizer.build_analyzer(),
                    vocabulary=dict(vectorizer.vocabulary_),
                    idf=np.asarray(vectorizer.idf_, dtype=np.float64),
                    sublinear=bool(vectorizer.sublinear_tf),
                    norm=vectorizer.norm == "l2",
                    offset=offset,
                )
            )
            offset += len(vectorizer.vocabulary_)
        if offset != classifier.coef_.shape[1]:
            raise ValueError("the classifier was not fitted on these features")
        self._blocks = blocks
        # One row per feature, so that a message's few features pick their rows directly.
        self._weights = np.ascontiguousarray(classifier.coef_.T, dtype=np.float64)
        self._intercept = np.asarray(classifier.intercept_, dtype=np.float64)
        self.classes: Tuple[str, ...] = tuple(str(c) for c in classifier.classes_)

    def _features(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        """The message's non-zero feature columns and their tf-idf values."""
        columns: List[int] = []
        values: List[float] = []
        for block in self._blocks:
            counts: Dict[int, int] = {}
            for gram in block.analyze(text):
                index = block.vocabulary.get(gram)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = list(counts)
            tf = [(1.0 + math.log(counts[i])) if block.sublinear else float(counts[i]) for i in indices]
            weighted = np.asarray(tf) * block.idf[indices]
            if block.norm:
                weighted /= np.sqrt(np.dot(weighted, weighted))
            columns.extend(block.offset + i for i in indices)
            values.extend(weighted.tolist())
        return np.asarray(columns, dtype=np.intp), np.asarray(values, dtype=np.float64)

    def probabilities(self, text: str) -> Dict[str, float]:
        """Each class's probability for ``text``."""
        columns, values = self._features(text)
        scores = self._intercept + values @ self._weights[columns] if len(columns) else self._intercept.copy()
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return {label: float(p) for label, p in zip(self.classes, scores)}
