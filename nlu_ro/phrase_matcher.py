"""Tolerant matching of known phrases (form names, synonyms) in Romanian messages.

Knows nothing of Rasa: it maps surface phrases to values and finds them in a text,
forgiving what citizens do when they type:

- diacritics and case ("naşterii", "NASTERII" → "nasterii"), via :func:`fold`;
- Romanian inflection ("certificatul", "certificatului" for "certificat"), by accepting
  a word that extends a known word by a short ending;
- typos ("urbansim", "certficat"), by a similarity ratio on longer words;
- filler words ("certificat de urbanism" = "certificat urbanism"), which are skipped.

Short abbreviations ("CU", "AC") are only accepted as typed in capitals, because "cu"
and "ac" are ordinary Romanian words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from nlu_ro.normalize import fold

FILLER_WORDS = frozenset(
    "de pentru pt la a al ale ai din privind despre in si sau cu un o".split()
)
# Endings a Romanian noun or adjective can add to the form written in a synonym.
MAX_ENDING = 4
MIN_STEM = 4
# Similarity needed for a typo to count; only words this long are compared fuzzily.
FUZZY_RATIO = 0.8
FUZZY_MIN_LENGTH = 5
ABBREVIATION_MAX_LENGTH = 3

_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class Word:
    """A word of a message: its folded text and where it stands in the original."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class PhraseMatch:
    """A known phrase found in a message."""

    value: str
    start: int
    end: int
    score: float
    phrase: str


def words_of(text: str) -> List[Word]:
    """Split ``text`` into folded words with their offsets in ``text``."""
    folded = fold(text)
    return [Word(m.group(0), m.start(), m.end()) for m in _WORD.finditer(folded)]


def _content_words(words: Sequence[Word]) -> List[Word]:
    return [w for w in words if w.text not in FILLER_WORDS]


def word_similarity(typed: str, known: str) -> float:
    """How well a typed (folded) word matches a known word, from 0 to 1."""
    if typed == known:
        return 1.0
    shorter, longer = sorted((typed, known), key=len)
    if (
        len(shorter) >= MIN_STEM
        and longer.startswith(shorter)
        and len(longer) - len(shorter) <= MAX_ENDING
    ):
        return 0.95
    if min(len(typed), len(known)) < FUZZY_MIN_LENGTH:
        return 0.0
    ratio = SequenceMatcher(None, typed, known, autojunk=False).ratio()
    if ratio >= FUZZY_RATIO:
        return ratio
    # An inflected word with a typo: compare the known word with the typed word's
    # beginning of the same length ("certficatului" ~ "certificat").
    head = typed[: len(known) + 1]
    if len(typed) > len(known) and len(typed) - len(known) <= MAX_ENDING:
        ratio = SequenceMatcher(None, head, known, autojunk=False).ratio()
        if ratio >= FUZZY_RATIO + 0.05:
            return ratio - 0.05
    return 0.0


class PhraseMatcher:
    """Finds known phrases in messages and returns the value each one stands for."""

    def __init__(self, phrases: Dict[str, str]) -> None:
        """Creates a matcher.

        Args:
            phrases: surface phrase (as a maintainer writes it) → value (e.g. a form id).
        """
        self.phrases: Dict[str, str] = {}
        self._patterns: List[Tuple[Tuple[str, ...], str, str, bool]] = []
        for phrase, value in sorted(phrases.items()):
            self.add(phrase, value)

    def add(self, phrase: str, value: str) -> None:
        """Adds one phrase; phrases made only of filler words are ignored."""
        all_words = words_of(phrase)
        is_abbreviation = (
            len(all_words) == 1
            and len(all_words[0].text) <= ABBREVIATION_MAX_LENGTH
            and phrase.strip().isupper()
        )
        words = tuple(
            w.text for w in (all_words if is_abbreviation else _content_words(all_words))
        )
        if not words:
            return
        self.phrases[phrase] = value
        self._patterns.append((words, value, phrase, is_abbreviation))

    def find(self, text: str) -> List[PhraseMatch]:
        """All non-overlapping phrase matches in ``text``, best and longest first wins."""
        every_word = words_of(text)
        content = _content_words(every_word)
        candidates: List[PhraseMatch] = []
        for words, value, phrase, is_abbreviation in self._patterns:
            searched = every_word if is_abbreviation else content
            for match in self._match_pattern(text, searched, words, is_abbreviation):
                candidates.append(
                    PhraseMatch(value, match[0], match[1], match[2], phrase)
                )
        # Prefer phrases that cover more words, then better scores.
        candidates.sort(key=lambda m: (-(len(m.phrase.split())), -m.score, m.start))
        chosen: List[PhraseMatch] = []
        for candidate in candidates:
            if all(candidate.end <= c.start or candidate.start >= c.end for c in chosen):
                chosen.append(candidate)
        return sorted(chosen, key=lambda m: m.start)

    def values(self, text: str) -> List[str]:
        """The distinct values found in ``text``, in the order they appear."""
        seen: List[str] = []
        for match in self.find(text):
            if match.value not in seen:
                seen.append(match.value)
        return seen

    @staticmethod
    def _match_pattern(
        text: str,
        content: Sequence[Word],
        words: Tuple[str, ...],
        is_abbreviation: bool,
    ) -> Iterable[Tuple[int, int, float]]:
        size = len(words)
        for i in range(len(content) - size + 1):
            window = content[i : i + size]
            if is_abbreviation:
                typed = text[window[0].start : window[0].end]
                if window[0].text == words[0] and typed.isupper():
                    yield window[0].start, window[0].end, 1.0
                continue
            scores = [word_similarity(w.text, k) for w, k in zip(window, words)]
            if all(scores):
                yield window[0].start, window[-1].end, sum(scores) / size


def best_value(matcher: Optional[PhraseMatcher], text: str) -> Optional[str]:
    """The first value found in ``text``, or None."""
    if matcher is None:
        return None
    values = matcher.values(text)
    return values[0] if values else None
