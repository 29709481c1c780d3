"""Romanian NLU components for Rasa: diacritics-insensitive tokens and catalog lookups.

``config.yml`` names them by module path (``nlu_ro.tokenizer.RomanianTokenizer``,
``nlu_ro.lookup_extractor.FuzzyLookupEntityExtractor``). This package imports nothing at
import time, so :mod:`nlu_ro.normalize` can be used without loading Rasa.
"""
