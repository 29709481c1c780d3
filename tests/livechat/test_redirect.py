"""The redirect hint for clerks: the same decision, texts and links as the bot's."""

from forms_catalog.redirects import MIXED, REFUSAL, mailto
from livechat.redirect import hint_note, redirect_hint


def parsed(intent, confidence=0.9, ranking=None, entities=()):
    return {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "entities": list(entities),
    }


def test_infrastructure_question_gets_the_refusal_with_the_topic_department():
    hint = redirect_hint("de 10 ani asteptam canalizare in Dumitrana", parsed("out_of_scope_infrastructure"))
    assert hint["topic"] == "apa_canal" and not hint["mixed"]
    assert hint["text"] == REFUSAL.format(name=hint["department"], email=hint["email"])
    (button,) = hint["buttons"]
    assert button["url"] == mailto(
        type("D", (), {"email": hint["email"]})(), f"Întrebare din livechat — {hint['department']}"
    )
    assert "pe chat nu se răspunde" in hint_note(hint) and hint["email"] in hint_note(hint)


def test_unknown_topic_goes_to_the_registratura():
    hint = redirect_hint("când faceți ceva în cartier?", parsed("out_of_scope_infrastructure"))
    assert hint["topic"] == "registratura" and hint["email"] == "registratura@primariamagurele.ro"


def test_mixed_messages_get_only_the_works_part():
    text = "ce acte trebuie pentru AC? si cand asfaltati strada?"
    ranking = [{"name": "ask_procedure_documents", "confidence": 0.6},
               {"name": "out_of_scope_infrastructure", "confidence": 0.35}]  # fmt: skip
    hint = redirect_hint(text, parsed("ask_procedure_documents", 0.6, ranking))
    assert hint["mixed"] and hint["topic"] == "drumuri"
    assert hint["text"] == MIXED.format(name=hint["department"], email=hint["email"])
    form = {"entity": "form", "value": "certificat_urbanism"}
    hint = redirect_hint(text, parsed("out_of_scope_infrastructure", entities=[form]))
    assert hint["mixed"]
    assert "și o întrebare despre lucrări" in hint_note(hint)


def test_other_messages_get_no_hint():
    assert redirect_hint("bună ziua", parsed("greet")) is None
    ranking = [{"name": "ask_procedure", "confidence": 0.9},
               {"name": "out_of_scope_infrastructure", "confidence": 0.05}]  # fmt: skip
    assert redirect_hint("ce acte trebuie?", parsed("ask_procedure", 0.9, ranking)) is None
    assert redirect_hint("", {}) is None
