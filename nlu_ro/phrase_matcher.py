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
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

from nlu_ro.normalize import fold

FILLER_WORDS = frozenset("de pentru pt la a al ale ai din privind despre in si sau cu un o".split())
# Endings a Romanian noun or adjective can add to the stem of the form written in a
# synonym ("nastere" → "nasterii", "certificat" → "certificatului").
MAX_ENDING = 5
MIN_STEM = 4
# A typed word may also be shorter than the synonym's word ("certificat" for
# "certificatul"), by at most this much.
MAX_TRUNCATION = 2
_FINAL_VOWELS = "aeiu"
# Similarity needed for a typo to count; only words this long are compared fuzzily,
# and a typo is assumed to spare the first letter.
FUZZY_RATIO = 0.85
FUZZY_MIN_LENGTH = 5
ABBREVIATION_MAX_LENGTH = 3

_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class Word:
    """A word of a message: its folded text, where it stands, and if it was typed in capitals."""

    text: str
    start: int
    end: int
    capitals: bool = False


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
    return [
        Word(m.group(0), m.start(), m.end(), text[m.start() : m.end()].isupper())
        for m in _WORD.finditer(folded)
    ]


def is_abbreviation(word: Word) -> bool:
    """ "CU", "AC", "VMI": short and in capitals, so not the word "cu" or "ac"."""
    return word.capitals and len(word.text) <= ABBREVIATION_MAX_LENGTH and word.text.isalpha()


def _content_words(words: Sequence[Word]) -> List[Word]:
    return [w for w in words if w.text not in FILLER_WORDS or is_abbreviation(w)]


def _stem(word: str) -> str:
    stem = word.rstrip(_FINAL_VOWELS)
    return stem if len(stem) >= MIN_STEM else word


@lru_cache(maxsize=65536)
def word_similarity(typed: str, known: str) -> float:
    """How well a typed (folded) word matches a known word, from 0 to 1."""
    if typed == known:
        return 1.0
    shorter, longer = sorted((typed, known), key=len)
    stem = _stem(shorter)
    if (
        len(stem) >= MIN_STEM
        and longer.startswith(stem)
        and len(longer) - len(stem) <= MAX_ENDING
        and len(known) - len(typed) <= MAX_TRUNCATION
    ):
        return 0.95
    if min(len(typed), len(known)) < FUZZY_MIN_LENGTH or typed[0] != known[0]:
        return 0.0
    ratio = SequenceMatcher(None, typed, known, autojunk=False).ratio()
    if ratio >= FUZZY_RATIO:
        return ratio
    # An inflected word with a typo: compare the known word with the typed word's
    # beginning of the same length ("certficatului" ~ "certificat").
    if len(known) < len(typed) <= len(known) + MAX_ENDING:
        head = typed[: len(known)]
        ratio = SequenceMatcher(None, head, known, autojunk=False).ratio()
        if ratio >= FUZZY_RATIO:
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
        self._patterns: List[Tuple[Tuple[Word, ...], str, str]] = []
        # Positions in _patterns by the first letter of their first word, then by that
        # word (its text and capitals): every way a word can match (exact, inflected,
        # typo) keeps its first letter, and one comparison with a first word rules out
        # every pattern that starts with it.
        self._by_first: Dict[str, Dict[Tuple[str, bool], List[int]]] = {}
        for phrase, value in sorted(phrases.items()):
            self.add(phrase, value)

    def add(self, phrase: str, value: str) -> None:
        """Adds one phrase; phrases made only of filler words are ignored."""
        words = tuple(_content_words(words_of(phrase)))
        if not words:
            return
        self.phrases[phrase] = value
        first = words[0]
        by_word = self._by_first.setdefault(first.text[0], {})
        by_word.setdefault((first.text, first.capitals), []).append(len(self._patterns))
        self._patterns.append((words, value, phrase))

    def find(self, text: str) -> List[PhraseMatch]:
        """All non-overlapping phrase matches in ``text``; longer, then better, wins."""
        content = _content_words(words_of(text))
        found: List[Tuple[int, int, PhraseMatch]] = []
        for position, typed in enumerate(content):
            for (first, capitals), indices in self._by_first.get(typed.text[0], {}).items():
                if not _word_score(typed, Word(first, 0, 0, capitals)):
                    continue
                for index in indices:
                    words, value, phrase = self._patterns[index]
                    match = self._match_at(content, position, words)
                    if match is not None:
                        found.append((index, position, PhraseMatch(value, *match, phrase)))
        # Pattern by pattern, then left to right: ties below keep that order.
        found.sort(key=lambda f: (f[0], f[1]))
        candidates = [match for _, _, match in found]
        candidates.sort(key=lambda m: (-len(m.phrase.split()), -m.score, m.start))
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
    def _match_at(
        content: Sequence[Word], position: int, words: Tuple[Word, ...]
    ) -> Optional[Tuple[int, int, float]]:
        """Start, end and score of ``words`` matched at ``content[position]``, if they match."""
        size = len(words)
        if position + size > len(content):
            return None
        window = content[position : position + size]
        total = 0.0
        for typed, known in zip(window, words):
            score = _word_score(typed, known)
            if not score:
                return None
            total += score
        return window[0].start, window[-1].end, total / size


def _word_score(typed: Word, known: Word) -> float:
    """How well a word of the message matches a word of a phrase (0: not at all)."""
    if is_abbreviation(known):
        # Abbreviations match exactly and only as typed in capitals.
        return 1.0 if typed.text == known.text and typed.capitals else 0.0
    return word_similarity(typed.text, known.text)


def best_value(matcher: Optional[PhraseMatcher], text: str) -> Optional[str]:
    """The first value found in ``text``, or None."""
    if matcher is None:
        return None
    values = matcher.values(text)
    return values[0] if values else None
