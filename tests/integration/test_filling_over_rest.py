"""Guided filling in the chat (issue 13, item 2) end to end: the trained model, the real
Rasa server (REST channel) and the real action server. On REST, with no live chat to
fill the PDF, the confirmed filling ends with the summary and the form page."""

import pytest

from tests.integration.servers import say, texts

pytestmark = pytest.mark.integration

CHECK_DIGIT = "CNP: Cifra de control a CNP-ului (ultima cifră) nu este corectă; verificați CNP-ul."


def test_a_petition_filled_in_the_chat_with_a_cnp_corrected(assistant) -> None:
    sender = "filling"
    started = texts(say(assistant, sender, "vreau sa completez o petitie"))
    assert "Completăm împreună cererea „Petiție”" in started
    assert started.endswith("1/13. Nume și prenume (obligatoriu)")

    assert texts(say(assistant, sender, "Ion Popescu")).startswith("2/13. CNP (obligatoriu)")
    refused = texts(say(assistant, sender, "1800101221145"))
    assert refused.startswith(CHECK_DIGIT) and "2/13. CNP (obligatoriu)" in refused
    assert texts(say(assistant, sender, "1800101221144")).startswith("3/13. Act de identitate")
    assert texts(say(assistant, sender, "sari")).startswith("4/13. Domiciliul")

    # Stop, then resume with the answers kept.
    assert texts(say(assistant, sender, "renunț")).startswith("Am oprit completarea.")
    resumed = texts(say(assistant, sender, "continuă completarea"))
    assert "Continuăm completarea cererii „Petiție” de unde am rămas (3 răspunsuri păstrate)." in resumed
    assert resumed.endswith(
        "4/13. Domiciliul (localitate, stradă, număr, bloc, scară, apartament) (obligatoriu)"
    )

    for answer in ("Str. Atomiștilor nr. 1, Măgurele", "sari", "sari", "sari"):
        say(assistant, sender, answer)
    assert texts(say(assistant, sender, "Zgomot noaptea")).startswith("9/13. Conținutul petiției")
    say(assistant, sender, "Vecinul face zgomot după ora 22.")
    for answer in ("nu", "nu", "da"):
        say(assistant, sender, answer)
    summary = say(assistant, sender, "01.12.2026")
    assert summary[-1]["text"].startswith(
        "Verificați datele cererii „Petiție”:\n• Nume și prenume: Ion Popescu"
    )
    assert "• CNP: 1800101221144" in summary[-1]["text"]
    assert [b["title"] for b in summary[-1]["buttons"]] == ["Confirmați", "Corectați", "Renunțați"]

    done = say(assistant, sender, "/affirm")
    assert done[-1]["text"].startswith("Verificați datele cererii „Petiție”:")
    assert "Pe acest canal nu vă pot trimite PDF-ul." in done[-1]["text"]
    assert done[-1]["buttons"][0]["url"] == "/formulare/petitie"


def test_a_question_in_the_middle_of_the_filling_is_answered_and_the_form_goes_on(assistant) -> None:
    sender = "filling-interrupted"
    say(assistant, sender, "vreau sa completez o petitie")
    assert texts(say(assistant, sender, "Maria Ionescu")).startswith("2/13. CNP (obligatoriu)")
    answered = texts(say(assistant, sender, "care este programul cu publicul?"))
    assert answered.startswith("Programul cu publicul este")
    assert answered.endswith(
        "Revenim la completarea cererii.\n2/13. CNP (obligatoriu)\n13 cifre, ca pe actul de identitate."
    )
    # The form goes on where it was, with the answer kept.
    assert texts(say(assistant, sender, "1800101221144")).startswith("3/13. Act de identitate")
