import unicodedata

import pytest

from archive.turns import fold


def reference_fold(text: str) -> str:
    """The definition search relies on, written out the slow way."""
    text = text.translate(str.maketrans({"ş": "s", "ţ": "t", "Ş": "s", "Ţ": "t"}))
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ședință la PRIMĂRIE", "sedinta la primarie"),
        ("sedinta la primarie", "sedinta la primarie"),
        ("ŞEDINŢĂ (cedilă)", "sedinta (cedila)"),
        ("Vârteju, Alunișu", "varteju, alunisu"),
        ("CERTIFICAT de urbanism #12; DROP TABLE", "certificat de urbanism #12; drop table"),
        ("Straße ﬁnală", "strasse finala"),
        ("", ""),
    ],
)
def test_fold_drops_case_and_diacritics(text, expected):
    assert fold(text) == expected == reference_fold(text)


def test_fold_is_the_same_for_ascii_and_unicode_and_when_repeated():
    texts = ["Bună ziua!", "buna ziua!", "BUNA ZIUA!", "Ω ăîâșț ÄÖÜ İ ǅ ½", "\t tab\n"]
    for text in texts * 2:  # the second pass comes from the cache
        assert fold(text) == reference_fold(text)
