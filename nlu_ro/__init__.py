"""Romanian NLU components for Rasa: diacritics-insensitive tokens and catalog lookups.

``config.yml`` names them by module path (``nlu_ro.tokenizer.RomanianTokenizer``,
``nlu_ro.intent_classifier.RomanianLogisticRegressionClassifier``,
``nlu_ro.lookup_extractor.FuzzyLookupEntityExtractor``,
``nlu_ro.form_classifier.CatalogFormClassifier``). This package imports nothing at
import time, so :mod:`nlu_ro.normalize` can be used without loading Rasa.
"""
