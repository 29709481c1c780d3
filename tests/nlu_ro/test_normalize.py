import pytest

from nlu_ro.normalize import fold


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Înregistrare naștere", "inregistrare nastere"),  # comma below
        ("Înregistrare naştere", "inregistrare nastere"),  # legacy cedilla
        ("ȚARĂ Ţară țară ţară", "tara tara tara tara"),
        ("CĂSĂTORIE", "casatorie"),
        ("Vârteju, Alunișu", "varteju, alunisu"),
        ("café", "cafe"),
    ],
)
def test_fold_removes_diacritics_and_case(typed: str, expected: str) -> None:
    assert fold(typed) == expected


def test_fold_collapses_repeated_punctuation_without_moving_offsets() -> None:
    text = "Cât costă???!!! certificatul..."
    folded = fold(text)
    assert folded == "cat costa?  !   certificatul.  "
    assert len(folded) == len(text)
    # A word keeps its position, so entity offsets from the original text stay valid.
    start = text.index("certificatul")
    assert folded[start : start + len("certificatul")] == "certificatul"


def test_fold_keeps_length_for_characters_that_lowercase_to_two() -> None:
    text = "İstanbul"  # "İ".lower() is two code points
    assert len(fold(text)) == len(text)
    assert fold(text) == "istanbul"


def test_fold_leaves_emoji_and_other_scripts() -> None:
    assert fold("👍 Привет") == "👍 привет"
