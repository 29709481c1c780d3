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


# Localities whose city halls' pages the catalog cites (the sources' domains): a figure of
# theirs is never stated as Măgurele's, only "la alte primării" with its source.
OTHER_LOCALITIES = re.compile(
    r"\b(Berceni|Marghita|Adjud|Ileana|Panit|Câmpia Turzii|Ovidiu|Mirsid|Moldova Nouă|"
    r"Timișoara|Constanța|Ștefănești|Orăștie|Pitești|Sibiu|Odorheiu|sectorul \d)\b"
)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_no_figure_of_another_commune_is_presented_as_magureles(catalog: Catalog, form_id: str) -> None:
    """Wave 2: "Taxă de timbru mică (2 lei la Berceni)" read as Măgurele's fee."""
    card = catalog.card_sections(form_id)
    for section, text in card.items():
        for sentence in re.split(r"(?<=[.;])\s", text):
            named = OTHER_LOCALITIES.search(sentence)
            assert named is None, f"{form_id}.{section}: {named.group(0)!r} in {sentence!r}"
        assert "termen depășit" not in text, f"{form_id}.{section}"


def test_another_communes_fee_is_shown_as_elsewhere_with_its_source(catalog: Catalog) -> None:
    fee = catalog.card_sections("certificat_fiscal")["fee"]
    assert "la alte primării, 2 lei (primariaberceni.ro)" in fee
    assert UNVERIFIED_LINE in fee
    deadline = catalog.card_sections("inregistrare_nastere")["deadline"]
    assert "informație depășită: termenul legal este acum de 30 de zile" in deadline
