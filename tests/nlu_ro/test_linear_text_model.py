"""nlu_ro/linear_text_model.py gives scikit-learn's own probabilities, message by message."""

from typing import List

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

from nlu_ro.linear_text_model import LinearTextModel

TEXTS = [
    "ne casatorim in iunie",
    "vrem sa facem nunta la primarie",
    "am mostenit casa de la parinti",
    "am cumparat un apartament unde platesc impozitul",
    "nu ne ajung banii de lemne la iarna",
    "facturile la gaze sunt mari iarna",
    "buna ziua",
    "salut",
    "strada e plina de gropi",
    "nu merge apa pe strada",
]
LABELS = ["casatorie"] * 2 + ["cladire"] * 2 + ["incalzire"] * 2 + [""] * 4
# Unseen words, repeated n-grams (sublinear tf), nothing known at all, and empty text.
PROBES = [
    "ne casatorim casatorim in august",
    "casa de la bunici, ce impozit platesc?",
    "qwkzx",
    "",
    "iarna iarna iarna",
]


def pipeline(**word_options: object) -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), **word_options)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )
    fitted = make_pipeline(features, LogisticRegression(C=30.0, max_iter=2000, random_state=0))
    return fitted.fit(TEXTS, LABELS)


@pytest.mark.parametrize(
    "word_options",
    [{"sublinear_tf": True}, {"sublinear_tf": False}, {"norm": None}],
    ids=["sublinear", "raw-counts", "no-norm"],
)
def test_probabilities_equal_the_pipelines_predict_proba(word_options: dict) -> None:
    fitted = pipeline(**word_options)
    model = LinearTextModel(fitted)
    expected = fitted.predict_proba(TEXTS + PROBES)
    for text, row in zip(TEXTS + PROBES, expected):
        got = model.probabilities(text)
        assert list(got) == [str(c) for c in fitted.classes_]
        np.testing.assert_allclose([got[str(c)] for c in fitted.classes_], row, rtol=0, atol=1e-12)


def test_the_classes_keep_the_classifiers_order() -> None:
    assert LinearTextModel(pipeline()).classes == ("", "casatorie", "cladire", "incalzire")


def _unsupported() -> List[Pipeline]:
    binary = [label or "altul" for label in LABELS]
    binary = ["casatorie" if label == "casatorie" else "altul" for label in binary]
    return [
        make_pipeline(FeatureUnion([("w", TfidfVectorizer())]), LogisticRegression()).fit(TEXTS, binary),
        make_pipeline(FeatureUnion([("w", CountVectorizer())]), LogisticRegression(max_iter=500)).fit(
            TEXTS, LABELS
        ),
        make_pipeline(FeatureUnion([("w", TfidfVectorizer())]), LogisticRegression(solver="liblinear")).fit(
            TEXTS, LABELS
        ),
        make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=500)).fit(TEXTS, LABELS),
    ]


@pytest.mark.parametrize("fitted", _unsupported(), ids=["two-classes", "counts", "liblinear", "no-union"])
def test_a_pipeline_it_cannot_reproduce_is_refused(fitted: Pipeline) -> None:
    with pytest.raises(ValueError):
        LinearTextModel(fitted)
