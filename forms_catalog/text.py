"""Small text helpers shared by the catalog, the card renderer and the PDF filler."""

import re

# The NLU's folding (same letters, same case rules), minus its promise to keep offsets.
from nlu_ro.normalize import fold as fold_in_place

# Legacy cedilla letters that Romanian keyboards still produce; the correct letters have a
# comma below (ș, ț). Text shown to citizens and written into PDFs uses the correct ones.
CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț"})
CEDILLA_LETTERS = frozenset("şŞţŢ")


def fix_cedillas(text: str) -> str:
    """Replace ş/ţ (cedilla) by ș/ț (comma below)."""
    return text.translate(CEDILLA_TO_COMMA)


def fold(text: str) -> str:
    """Fold text for matching: lower case, no diacritics, punctuation and spaces squeezed.

    >>> fold("  Certificatul de URBANISM ")
    'certificatul de urbanism'
    >>> fold("C.U.")
    'c u'
    """
    return " ".join(re.sub(r"[\W_]+", " ", fold_in_place(text)).split())
