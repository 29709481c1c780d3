import pytest

from nlu_ro.phrase_matcher import PhraseMatcher, word_similarity

PHRASES = {
    "certificat de urbanism": "certificat_urbanism",
    "CU": "certificat_urbanism",
    "certificat de atestare fiscală": "certificat_fiscal",
    "certificat fiscal": "certificat_fiscal",
    "certificat de naștere": "inregistrare_nastere",
    "alocația de stat": "alocatie_copii",
    "AC": "autorizatie_construire",
    "autorizație de construire": "autorizatie_construire",
}


@pytest.fixture(scope="module")
def matcher() -> PhraseMatcher:
    return PhraseMatcher(PHRASES)


@pytest.mark.parametrize(
    "text, value",
    [
        ("ce acte trebuie pentru certificatul de urbanism?", "certificat_urbanism"),
        ("CERTIFICAT URBANISM", "certificat_urbanism"),
        ("certificatul de urbansim", "certificat_urbanism"),  # typo
        ("cat costa un CU?", "certificat_urbanism"),
        ("am nevoie de certficatul fiscal", "certificat_fiscal"),
        ("certificatului de atestare fiscala", "certificat_fiscal"),
        ("Certificatul de naşterii copilului", "inregistrare_nastere"),
        ("alocatia de stat pt copil", "alocatie_copii"),
        ("autorizatia de construire pt casa", "autorizatie_construire"),
    ],
)
def test_finds_the_form_as_citizens_type_it(matcher: PhraseMatcher, text: str, value: str) -> None:
    assert matcher.values(text) == [value]


@pytest.mark.parametrize(
    "text",
    [
        "vreau sa vorbesc cu un om",  # "cu" is a preposition, not CU
        "un ac de cusut",
        "certificat",  # ambiguous alone: which certificate?
        "buna ziua",
        "",
    ],
)
def test_does_not_invent_forms(matcher: PhraseMatcher, text: str) -> None:
    assert matcher.values(text) == []


def test_match_offsets_point_into_the_original_text(matcher: PhraseMatcher) -> None:
    text = "Bună ziua, certificatul de urbanism???"
    (match,) = matcher.find(text)
    assert text[match.start : match.end] == "certificatul de urbanism"


def test_longer_phrase_wins_over_its_part() -> None:
    matcher = PhraseMatcher({"certificat": "x", "certificat fiscal": "certificat_fiscal"})
    assert matcher.values("un certificat fiscal") == ["certificat_fiscal"]


def test_two_forms_in_one_message_keep_their_order(matcher: PhraseMatcher) -> None:
    text = "am CU, acum vreau autorizatia de construire"
    assert matcher.values(text) == ["certificat_urbanism", "autorizatie_construire"]


def test_word_similarity_rejects_unrelated_words() -> None:
    assert word_similarity("urbanism", "urbanism") == 1.0
    assert word_similarity("urbansim", "urbanism") >= 0.8
    assert word_similarity("casa", "masa") == 0.0
    assert word_similarity("fiscal", "social") == 0.0


@pytest.mark.parametrize(
    "text, phrases",
    [
        ("vreau să completez cererea aici", {"cererea de CU": "certificat_urbanism"}),
        ("cum obțin adresa pentru casă?", {"casatorie": "casatorie"}),
        ("strada noastră nu are nume", {"nașterea": "inregistrare_nastere"}),
        ("cum se cere alocatia", {"cererea pt alocatie": "alocatie_copii"}),
    ],
)
def test_short_or_similar_words_do_not_stand_for_a_phrase(text: str, phrases: dict) -> None:
    assert PhraseMatcher(phrases).values(text) == []


def test_abbreviation_inside_a_phrase_keeps_its_capitals() -> None:
    matcher = PhraseMatcher({"cererea de CU": "certificat_urbanism"})
    assert matcher.values("am depus cererea de CU") == ["certificat_urbanism"]
    assert matcher.values("am depus cererea cu actele") == []
