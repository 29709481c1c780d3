"""Infrastructure questions while a clerk holds the conversation: a hint for the clerk.

Rasa receives nothing while a clerk holds a conversation, so the channel asks the
loaded model's NLU alone (``Agent.parse_message``) what each citizen message is. When it
is about investments or works, the clerk's console shows the redirect the bot would have
sent (the same text, department and ``mailto:`` link, from :mod:`forms_catalog.redirects`), ready
to send in one click. The decision mirrors the bot's: an infrastructure question gets the
refusal; a procedure question that also complains about works gets the short "as for
the works…" part, since the clerk answers the procedure themselves.
"""

from typing import Any, Dict, Optional

from forms_catalog.redirects import (
    INFRASTRUCTURE_INTENT,
    MIXED,
    MIXED_THRESHOLD,
    REFUSAL,
    email_button,
    infrastructure_score,
    redirect_department,
)
from livechat.buttons import clean_buttons

PROCEDURE_INTENT_PREFIX = "ask_procedure"
FILL_FORM_INTENT = "fill_form"


def _form_named(parse_data: Dict[str, Any]) -> bool:
    from forms_catalog import load_catalog

    forms = load_catalog().forms
    return any(
        entity.get("entity") == "form" and entity.get("value") in forms
        for entity in parse_data.get("entities") or []
    )


def redirect_hint(text: str, parse_data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The redirect to suggest to the clerk for a citizen's ``text``, or None.

    Args:
        text: what the citizen wrote.
        parse_data: the NLU result for ``text`` (``Agent.parse_message``).

    Returns:
        ``{"topic", "department", "email", "text", "buttons", "intent", "confidence",
        "mixed"}``: ``topic`` is the department's id (the registratură when no topic
        word matched), ``text`` and ``buttons`` are the message to send the citizen.
    """
    intent = (parse_data.get("intent") or {}).get("name") or ""
    confidence = float((parse_data.get("intent") or {}).get("confidence") or 0.0)
    if intent == INFRASTRUCTURE_INTENT:
        mixed = _form_named(parse_data)
    elif intent.startswith(PROCEDURE_INTENT_PREFIX) or intent == FILL_FORM_INTENT:
        if infrastructure_score(parse_data) < MIXED_THRESHOLD:
            return None
        mixed = True
    else:
        return None
    department = redirect_department(text)
    template = MIXED if mixed else REFUSAL
    return {
        "topic": department.id,
        "department": department.name,
        "email": department.email,
        "text": template.format(name=department.name, email=department.email),
        "buttons": clean_buttons([email_button(department)]),
        "intent": intent,
        "confidence": round(confidence, 4),
        "mixed": mixed,
    }


def hint_note(hint: Dict[str, Any]) -> str:
    """The line the clerk reads above the suggested message (and the archive keeps)."""
    what = (
        "Mesajul conține și o întrebare despre lucrări sau investiții"
        if hint.get("mixed")
        else "Întrebare despre lucrări sau investiții"
    )
    return (
        f"{what}: pe chat nu se răspunde la ele. Sugestie: trimiteți cetățeanului adresa "
        f"{hint['department']} ({hint['email']})."
    )
