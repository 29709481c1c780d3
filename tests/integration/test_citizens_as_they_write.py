"""Issue 15 end to end: messages typed as citizens type them, through the trained model,
the real Rasa server (REST channel) and the real action server."""

import pytest

from tests.integration.servers import say, texts

pytestmark = pytest.mark.integration


def test_a_documents_question_with_a_works_question_gets_both_answers(assistant) -> None:
    replies = texts(
        say(assistant, "mixed", "ce acte trebuie pentru certificat de urbanism si cand asfaltati strada?")
    )
    assert "Acte necesare — Certificat de urbanism" in replies
    assert "drumuri@primariamagurele.ro" in replies


@pytest.mark.parametrize(
    "sender, text, title",
    [
        ("wedding", "ne căsătorim în iunie", "Încheierea căsătoriei"),
        ("inherited", "am moștenit o casă de la bunici", "Declarația fiscală pentru o clădire"),
        ("heating", "iarna asta nu ne ajung banii de încălzit", "Ajutorul pentru încălzirea locuinței"),
        ("child", "cerere alocatie copil", "Alocația de stat pentru copii"),
        ("audience", "vreau o audienta la primar", "Înscriere în audiență"),
    ],
)
def test_a_form_described_or_named_in_passing_gets_its_card(
    assistant, sender: str, text: str, title: str
) -> None:
    replies = say(assistant, sender, text)
    assert texts(replies).startswith(f"{title}:")
    assert replies[-1]["buttons"][0]["url"].endswith(".pdf")


def test_a_lost_birth_certificate_gets_the_duplicate_not_the_registration(assistant) -> None:
    replies = texts(
        say(assistant, "lost-as-written", "am pierdut certificatu de nastere, cum fac un duplicat")
    )
    assert "Duplicat al unui certificat de stare civilă" in replies
    assert "Înregistrarea nașterii:" not in replies


@pytest.mark.parametrize(
    "sender, text, email",
    [
        ("sewer", "s-a infundat canalizarea pe strada morii", "apacanal@primariamagurele.ro"),
        ("water", "nu merge apa la mine pe strada de 2 zile", "apacanal@primariamagurele.ro"),
        ("lamp", "nu arde becul de pe stalp pe strada mea", "iluminat@primariamagurele.ro"),
    ],
)
def test_a_complaint_on_a_street_goes_to_the_department_of_the_problem(
    assistant, sender: str, text: str, email: str
) -> None:
    replies = texts(say(assistant, sender, text))
    assert email in replies and "drumuri@" not in replies


def test_an_insult_is_not_taken_for_a_robot_question(assistant) -> None:
    replies = texts(say(assistant, "rude", "esti un idiot"))
    assert "păstrăm un ton civilizat" in replies  # the first warning of the pause rule
    assert "asistent virtual" not in replies
