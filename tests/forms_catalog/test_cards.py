"""forms_catalog/cards.py: the procedure card of every form, as chat messages."""

import re

import pytest

from forms_catalog import Catalog
from forms_catalog.cards import CARD_MAX_CHARS, CARD_SECTIONS, UNVERIFIED_LINE
from forms_catalog.loader import load_catalog
from forms_catalog.text import CEDILLA_LETTERS

FORM_IDS = sorted(load_catalog().forms)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_card_renders_every_section(catalog: Catalog, form_id: str) -> None:
    card = catalog.card_sections(form_id)
    assert set(CARD_SECTIONS) <= set(card)
    for key, text in card.items():
        assert text.strip(), f"{form_id}.{key} is empty"
        assert len(text) <= CARD_MAX_CHARS, f"{form_id}.{key}: {len(text)} characters"
        assert "None" not in text and "{" not in text, f"{form_id}.{key}: {text!r}"
        assert not set(text) & CEDILLA_LETTERS, f"{form_id}.{key} uses ş/ţ"
        assert not re.search(r"\.\.(?!\.)", text), f"{form_id}.{key} has a double full stop"
    form = catalog.get(form_id)
    assert form.title in card["summary"]
    assert catalog.department_of(form).name in card["summary"]
    for document in form.documents:
        assert document.text.rstrip(".") in card["documents"]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_uncertain_facts_say_check_at_the_counter(catalog: Catalog, form_id: str) -> None:
    form = catalog.get(form_id)
    card = catalog.card_sections(form_id)
    sections = {
        "fee": [form.fee],
        "submit": [form.submit],
        "pickup": [form.pickup],
        "legal_basis": [form.legal_basis],
        "deadline": [form.processing_time, form.filing_deadline],
        "documents": list(form.documents),
    }
    for key, facts in sections.items():
        flagged = "verificați la ghișeu" in card[key]
        assert flagged == any(f is not None and f.unverified for f in facts), f"{form_id}.{key}"


def test_verified_documents_are_stated_without_a_warning(catalog: Catalog) -> None:
    card = catalog.card_sections("inscriere_auto")
    assert "verificați la ghișeu" not in card["documents"]
    assert "Certificatul de atestare fiscală al vânzătorului" in card["documents"]
    assert UNVERIFIED_LINE in card["deadline"]  # 30 days comes from other city halls


def test_mixed_lists_mark_only_the_uncertain_items(catalog: Catalog) -> None:
    notes = catalog.card_sections("inscriere_auto")["notes"]
    lines = notes.splitlines()
    uncertain = [line for line in lines if line.endswith("(?)")]
    assert len(uncertain) == 1 and "amenzi" in uncertain[0]
    assert "verificați la ghișeu" in lines[-1]


def test_card_without_department_still_renders(catalog: Catalog) -> None:
    card = catalog.get("petitie").card_sections()
    assert card["summary"].startswith("Petiție:")
    assert "Răspunde:" not in card["summary"]
