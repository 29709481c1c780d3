"""Romanian text normalisation that keeps every character at its position.

Citizens type "certificatul de urbanism", "certificatul de urbanism" with cedillas
(ş, ţ — the legacy code points), or with no diacritics at all, in any case, often with
"???" at the end. :func:`fold` maps all of these to one form so that training and
prediction see the same tokens.

The result always has exactly the length of the input: entity annotations in the
training data are character offsets into the original text and must stay valid.
"""

import re
import unicodedata
from typing import Dict

# Letters whose base form is not reached by stripping combining marks alone, or that we
# want to fold explicitly (both the comma-below and the legacy cedilla forms).
_EXPLICIT: Dict[str, str] = {
    "ș": "s",
    "ş": "s",
    "Ș": "s",
    "Ş": "s",
    "ț": "t",
    "ţ": "t",
    "Ț": "t",
    "Ţ": "t",
    "ă": "a",
    "Ă": "a",
    "â": "a",
    "Â": "a",
    "î": "i",
    "Î": "i",
    # Typographic quotes and dashes typed on phones.
    "„": '"',
    "”": '"',
    "“": '"',
    "«": '"',
    "»": '"',
    "’": "'",
    "‘": "'",
    "–": "-",
    "—": "-",
}

# A run of the same punctuation mark ("???", "!!!", "....") keeps its first mark; the
# rest become spaces so offsets do not move.
_REPEATED_PUNCTUATION = re.compile(r"([!?.,;:\-])\1+")


def fold_char(char: str) -> str:
    """Fold one character to lower-case ASCII where possible; never change the length."""
    if char in _EXPLICIT:
        return _EXPLICIT[char]
    lowered = char.lower()
    if len(lowered) != 1:
        # e.g. "İ".lower() is two code points; keep the original to preserve offsets.
        lowered = char
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    base = decomposed[0]
    if len(decomposed) > 1 and all(unicodedata.combining(c) for c in decomposed[1:]):
        return base.lower() if len(base.lower()) == 1 else base
    return lowered


def _squeeze_punctuation(match: "re.Match[str]") -> str:
    run = match.group(0)
    return run[0] + " " * (len(run) - 1)


def fold(text: str) -> str:
    """Return ``text`` folded for matching: lower case, no diacritics, no repeated punctuation.

    >>> fold("Certificatul de URBANISM???")
    'certificatul de urbanism?  '
    >>> fold("înregistrare naştere")
    'inregistrare nastere'
    """
    folded = "".join(fold_char(c) for c in text)
    return _REPEATED_PUNCTUATION.sub(_squeeze_punctuation, folded)
