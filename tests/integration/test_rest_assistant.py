"""The trained assistant behind Rasa's REST channel, as a website would call it."""

import json
import urllib.request
from typing import Any, Dict, List

import pytest

from tests.integration.servers import start_assistant

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    running = start_assistant(tmp_path_factory.mktemp("servers"))
    yield running
    running.stop()


def say(assistant, sender: str, text: str) -> List[Dict[str, Any]]:
    request = urllib.request.Request(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_greeting_states_that_the_conversation_is_recorded(assistant) -> None:
    replies = say(assistant, "greet", "buna ziua")
    assert "înregistrată și arhivată" in texts(replies)


def test_procedure_question_without_diacritics_gets_the_card_from_the_catalog(assistant) -> None:
    replies = say(assistant, "cu", "ce acte trebuie pt certificatul de urbansim?")
    assert "Acte necesare — Certificat de urbanism" in texts(replies)
    buttons = replies[-1]["buttons"]
    assert buttons[0]["url"].endswith("/formulare/certificat_urbanism.pdf")


def test_follow_up_keeps_the_form_of_the_conversation(assistant) -> None:
    say(assistant, "follow-up", "cum obtin certificatul de atestare fiscala")
    assert "Taxe:" in texts(say(assistant, "follow-up", "si cat costa?"))


def test_infrastructure_question_is_redirected_by_email(assistant) -> None:
    from archive.archive import Archive

    replies = say(assistant, "infra", "strada mea din Pruni e plina de gropi")
    assert "@primariamagurele.ro" in texts(replies)
    assert replies[0]["buttons"][0]["url"].startswith("mailto:")
    assert "archive" not in replies[0]  # the audit metadata stays in the archive
    with Archive(assistant.database_url) as archive:
        (answer,) = [t for t in archive.conversation("infra") if t.speaker == "bot"]
    assert answer.flags == ("out_of_scope",)
    assert answer.extra["redirect"]["topic"] == "drumuri" and answer.extra["redirect"]["mixed"] is False


def test_two_misunderstandings_in_a_row_offer_a_person(assistant) -> None:
    first = say(assistant, "lost", "qwkzx vbnmp")
    second = say(assistant, "lost", "zzkq plmw")
    assert "reformula" in texts(first)
    # Second miss: the handoff decides; with no clerk present, the hours and the e-mail.
    assert "nu v-am putut ajuta" in texts(second)
    assert any(b.get("url", "").startswith("mailto:") for r in second for b in r.get("buttons", []))


@pytest.mark.parametrize(
    "text",
    ["", "   ", "a" * 10_000, "😀😀😀", "Hello, can you help me with my tax?", "<script>alert(1)</script>"],
    ids=["empty", "whitespace", "10k-chars", "emoji", "english", "html"],
)
def test_odd_input_gets_a_reply_never_a_server_error(assistant, text: str) -> None:
    replies = say(assistant, f"odd-{len(text)}-{text[:3]}", text)
    assert isinstance(replies, list)
    # The server still answers normally afterwards.
    assert say(assistant, f"after-odd-{len(text)}", "multumesc")


def test_every_turn_is_archived_in_a_verifiable_chain(assistant) -> None:
    from archive.archive import Archive

    say(assistant, "archived", "cat costa certificatul fiscal?")
    with Archive(assistant.database_url) as archive:
        turns = archive.conversation("archived")
        assert [t.speaker for t in turns if t.text][:2] == ["citizen", "bot"]
        assert turns[0].text == "cat costa certificatul fiscal?"
        assert archive.verify().ok
