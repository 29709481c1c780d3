"""forms_catalog/loader.py and model.py: the catalog as the bot and the console see it."""

import pickle

import pytest

from forms_catalog import (
    CATEGORIES,
    REQUIRED_DEPARTMENT_IDS,
    REQUIRED_FORM_IDS,
    Catalog,
    Fact,
    FieldValidationError,
    UnknownFormError,
    load_catalog,
)
from forms_catalog.text import CEDILLA_LETTERS


def test_catalog_has_every_form_of_the_nlu_contract(catalog: Catalog) -> None:
    assert set(REQUIRED_FORM_IDS) <= set(catalog.forms)
    for form_id, form in catalog.forms.items():
        assert form.id == form_id
        assert form.department in catalog.departments


def test_load_catalog_is_cached(catalog: Catalog) -> None:
    assert load_catalog() is catalog


def test_unknown_form_id_raises_a_clear_error(catalog: Catalog) -> None:
    with pytest.raises(UnknownFormError) as raised:
        catalog.get("certificat_de_pescar")
    assert raised.value.form_id == "certificat_de_pescar"
    message = str(raised.value)
    assert "certificat_de_pescar" in message and "nu există" in message
    assert "certificat_urbanism" in message  # lists what exists


def test_by_category_covers_every_form_once_with_stable_ids(catalog: Catalog) -> None:
    grouped = catalog.by_category()
    assert list(grouped) == list(CATEGORIES)
    assert CATEGORIES["taxe"] == "Taxe și impozite"
    assert CATEGORIES["stare_civila"] == "Stare civilă"
    listed = [form.id for forms in grouped.values() for form in forms]
    assert sorted(listed) == sorted(catalog.forms)
    assert all(forms for forms in grouped.values()), "every category has a form"
    assert {f.id for f in grouped["urbanism"]} >= {"certificat_urbanism", "autorizatie_construire"}


def test_departments_include_the_out_of_scope_redirects(catalog: Catalog) -> None:
    assert set(REQUIRED_DEPARTMENT_IDS) <= set(catalog.departments)
    for department_id in ("investitii", "drumuri", "apa_canal", "iluminat_public"):
        department = catalog.departments[department_id]
        assert not department.in_scope
        assert department.email.endswith("@primariamagurele.ro")
        assert department.is_placeholder("email"), "no real address is known yet"
    assert catalog.departments["registratura"].in_scope


@pytest.mark.parametrize(
    "text, department_id",
    [
        ("Când se asfaltează strada mea? E plină de gropi", "drumuri"),
        ("nu am apa curenta de ieri", "apa_canal"),
        ("Cine se ocupă de CANALIZARE?", "apa_canal"),
        ("s-a ars becul de pe stalp, iluminatul public nu merge", "iluminat_public"),
        ("ce investiții face primăria din fonduri europene", "investitii"),
    ],
)
def test_department_for_topic(catalog: Catalog, text: str, department_id: str) -> None:
    department = catalog.department_for_topic(text)
    assert department is not None and department.id == department_id


@pytest.mark.parametrize(
    "text, department_id",
    [
        ("s-a infundat canalizarea pe strada morii", "apa_canal"),
        ("nu merge apa la mine pe strada de 2 zile", "apa_canal"),
        ("nu arde becul de pe stalp pe strada mea", "iluminat_public"),
        ("strada Morii e numai gropi", "drumuri"),
    ],
)
def test_the_street_a_problem_is_on_does_not_decide_the_department(
    catalog: Catalog, text: str, department_id: str
) -> None:
    """Every department's topics are scored over the whole message (issue 15)."""
    department = catalog.department_for_topic(text, in_scope=False)
    assert department is not None and department.id == department_id
    assert "drumuri" in catalog.department_scores(text, in_scope=False)


def test_department_for_topic_none_when_nothing_matches(catalog: Catalog) -> None:
    assert catalog.department_for_topic("bună ziua") is None


@pytest.mark.parametrize(
    "text, form_id",
    [
        ("Certificatul de URBANISM", "certificat_urbanism"),
        ("cu", "certificat_urbanism"),
        ("certificat de urbansim", "certificat_urbanism"),
        ("VMI", "venit_minim_incluziune"),
        ("alocatia copilului", "alocatie_copii"),
        ("inregistrare_deces", "inregistrare_deces"),
        ("Căsătoria", "casatorie"),
        ("autorizatie de construire", "autorizatie_construire"),
    ],
)
def test_find_resolves_surface_forms(catalog: Catalog, text: str, form_id: str) -> None:
    form = catalog.find(text)
    assert form is not None and form.id == form_id


def test_find_returns_none_for_unknown_text(catalog: Catalog) -> None:
    assert catalog.find("permis de vânătoare") is None
    assert catalog.find("   ") is None


def test_facts_are_strings_that_know_their_source(catalog: Catalog) -> None:
    form = catalog.get("inscriere_auto")
    assert isinstance(form.purpose, Fact) and isinstance(form.purpose, str)
    assert "primariamagurele.ro" in form.purpose.source and not form.purpose.unverified
    assert all(not d.unverified for d in form.documents), "T1 documents are [MG]"
    assert form.filing_deadline is not None and form.filing_deadline.unverified
    assert form.sources[0] == "primariamagurele.ro/cereri-si-formulare"
    copied = pickle.loads(pickle.dumps(form.fee))
    assert copied == form.fee and copied.source == form.fee.source and copied.unverified


def test_facts_from_other_city_halls_stay_unverified(catalog: Catalog) -> None:
    for form in catalog.forms.values():
        for name, fact in form.facts():
            if "primariamagurele.ro" not in fact.source and "legislatie.just.ro" not in fact.source:
                assert fact.unverified, f"{form.id}.{name} ({fact.source}) must be unverified"


def test_catalog_text_uses_comma_below_letters(catalog: Catalog) -> None:
    for form in catalog.forms.values():
        texts = [form.title, form.form_title, form.intro or "", *(f for _, f in form.facts())]
        texts += [field.label for field in form.fields]
        for text in texts:
            assert not set(text) & CEDILLA_LETTERS, f"{form.id}: {text!r}"


def test_every_form_has_the_pdf_field_kinds(catalog: Catalog) -> None:
    for form in catalog.forms.values():
        kinds = [field.type for field in form.fields]
        assert kinds.count("signature") == 1, form.id
        assert {"text", "date", "checkbox"} <= set(kinds), form.id
        assert len({f.name for f in form.fields}) == len(form.fields)


def test_clean_values_validates_and_normalises(catalog: Catalog) -> None:
    form = catalog.get("certificat_urbanism")
    cleaned = form.clean_values(
        {
            "nume_prenume": "  Ana Ţăranu ",  # legacy cedilla is corrected
            "cnp": "2951223400016",
            "telefon": "+40 721 234 567",
            "data_cererii": "5.3.2025",
            "scop_construire": "da",
            "scop_desfiintare": False,
        }
    )
    assert cleaned == {
        "nume_prenume": "Ana Țăranu",
        "cnp": "2951223400016",
        "telefon": "0721234567",
        "data_cererii": "05.03.2025",
        "scop_construire": True,
        "scop_desfiintare": False,
    }


@pytest.mark.parametrize(
    "values, field, fragment",
    [
        ({"cnp": "2951223400017"}, "cnp", "CNP: Cifra de control"),
        ({"data_cererii": "31.02.2025"}, "data_cererii", "Data: "),
        ({"email": "ana@"}, "email", "E-mail: "),
        ({"nume_prenume": "Ana\nPopescu"}, "nume_prenume", "un singur rând"),
        ({"nume_prenume": "A" * 71}, "nume_prenume", "cel mult 70"),
        ({"scop_construire": "poate"}, "scop_construire", "„da” sau „nu”"),
        ({"semnatura": "Ana"}, "semnatura", "semnați documentul"),
        ({"camp_inventat": "x"}, "camp_inventat", "nu are câmpul"),
    ],
)
def test_clean_values_rejects_bad_values_naming_the_field(
    catalog: Catalog, values: dict, field: str, fragment: str
) -> None:
    form = catalog.get("certificat_urbanism")
    with pytest.raises(FieldValidationError) as raised:
        form.clean_values(values)
    assert raised.value.field == field
    assert fragment in raised.value.message


def test_missing_required(catalog: Catalog) -> None:
    form = catalog.get("petitie")
    missing = {f.name for f in form.missing_required({"nume_prenume": "Ana"})}
    assert "nume_prenume" not in missing
    assert {"cnp", "continut", "data_cererii", "declaratie_corectitudine"} <= missing
