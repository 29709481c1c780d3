"""Procedure cards: a form's facts as short Romanian chat messages.

Each aspect (documents, fee, deadline, …) becomes one chat bubble. A fact that is not
confirmed for Măgurele is never stated bare: its bubble ends with a line asking the
citizen to check at the counter ("verificați la ghișeu").
"""

from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

from forms_catalog.model import Fact

if TYPE_CHECKING:  # pragma: no cover
    from forms_catalog.model import Department, Form

# Keys of every card, in the order the bot shows them; "notes" is added when a form has
# notes.
CARD_SECTIONS = ("summary", "documents", "fee", "deadline", "submit", "pickup", "legal_basis")

# Longest bubble the widget shows without scrolling on a phone; a test holds every card
# to it.
CARD_MAX_CHARS = 700

UNVERIFIED_LINE = "⚠ Neconfirmat pentru Primăria Măgurele — verificați la ghișeu."
UNVERIFIED_ITEMS_LINE = "⚠ Punctele marcate (?) nu sunt confirmate — verificați la ghișeu."
UNVERIFIED_LIST_LINE = (
    "⚠ Listă după practica altor primării, neconfirmată pentru Măgurele — verificați la ghișeu."
)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def _with_flag(lines: List[str], facts: Sequence[Optional[Fact]]) -> str:
    if any(fact is not None and fact.unverified for fact in facts):
        lines.append(UNVERIFIED_LINE)
    return "\n".join(lines)


def _bullets(title: str, facts: Sequence[Fact]) -> str:
    unverified = [fact.unverified for fact in facts]
    mixed = any(unverified) and not all(unverified)
    lines = [title]
    for fact in facts:
        mark = " (?)" if mixed and fact.unverified else ""
        lines.append(f"• {fact.text.rstrip('.')}{mark}")
    if mixed:
        lines.append(UNVERIFIED_ITEMS_LINE)
    elif all(unverified):
        lines.append(UNVERIFIED_LIST_LINE)
    return "\n".join(lines)


def render_card(form: "Form", department: Optional["Department"] = None) -> Dict[str, str]:
    """Render :data:`CARD_SECTIONS` (and ``notes`` if any) for ``form``."""
    summary = [
        f"{form.title}: {_sentence(form.purpose)}",
        f"Cine depune: {_sentence(form.who_may_apply)}",
    ]
    if department is not None:
        summary.append(f"Răspunde: {department.name}.")
    deadline: List[str] = []
    if form.filing_deadline is not None:
        deadline.append(f"Termen de depunere: {_sentence(form.filing_deadline)}")
    deadline.append(f"Termen de soluționare: {_sentence(form.processing_time)}")

    card = {
        "summary": _with_flag(summary, [form.purpose, form.who_may_apply]),
        "documents": _bullets(f"Acte necesare — {form.title}:", form.documents),
        "fee": _with_flag([f"Taxe: {_sentence(form.fee)}"], [form.fee]),
        "deadline": _with_flag(deadline, [form.filing_deadline, form.processing_time]),
        "submit": _with_flag([f"Unde depuneți: {_sentence(form.submit)}"], [form.submit]),
        "pickup": _with_flag([f"Ridicare: {_sentence(form.pickup)}"], [form.pickup]),
        "legal_basis": _with_flag([f"Temei legal: {_sentence(form.legal_basis)}"], [form.legal_basis]),
    }
    if form.notes:
        card["notes"] = _bullets("De reținut:", form.notes)
    return card
