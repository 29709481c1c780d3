"""forms_catalog/pdf: blank interactive PDFs and filling them (values, appearance streams,
diacritics, validation before anything is written)."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

import forms_catalog.pdf as pdf_module
from forms_catalog import Catalog, FieldValidationError, UnknownFormError, load_catalog
from forms_catalog.__main__ import main
from forms_catalog.check import _form_problems
from forms_catalog.pdf import REPO_DIR, blank_pdf, blank_pdf_path, fill_pdf
from forms_catalog.pdf.build import build_pdf
from forms_catalog.pdf.font import REGULAR_TTF
from tests.forms_catalog import pdf_engines as engines

PDFTOPPM = shutil.which("pdftoppm")
needs_pdftoppm = pytest.mark.skipif(
    PDFTOPPM is None,
    reason="pdftoppm (poppler-utils) is not installed, so the PDFs were NOT rendered; "
    "install it with `apt-get install poppler-utils` (CI does).",
)

FORM_IDS = sorted(load_catalog().forms)
ROMANIAN_LETTERS = "ășțâîĂȘȚÂÎ"

VALUES: Dict[str, Any] = {
    "nume_prenume": "Ștefan Țuțea-Mărgărit",
    "cnp": "1800101221144",
    "domiciliu": "Str. Școlii nr. 5, Vârteju, Măgurele",
    "cod_postal": "077125",
    "telefon": "+40 721 234 567",
    "email": "stefan@exemplu.ro",
    "adresa_imobil": "Strada Atomiștilor nr. 409",
    "localitate_imobil": "Alunișu",
    "nr_cadastral": "51234-c1",
    "scop_construire": True,
    "scop_notarial": "nu",
    "descriere_lucrari": (
        "Construire locuință P+1, împrejmuire și branșamente la rețelele existente; "
        "desființare anexă gospodărească. Învelitoare din țiglă, șarpantă din lemn."
    ),
    "declaratie_corectitudine": True,
    "data_cererii": "5.3.2025",
}
EXPECTED = {
    **{k: v for k, v in VALUES.items() if isinstance(v, str)},
    "telefon": "0721234567",
    "nr_cadastral": "51234-C1",
    "data_cererii": "05.03.2025",
}
EXPECTED.pop("scop_notarial")


def widgets(pdf: bytes) -> Dict[str, Tuple[int, Any]]:
    """Field name → (page index, widget dictionary)."""
    reader = PdfReader(io.BytesIO(pdf))
    found = {}
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots", []):
            widget = ref.get_object()
            if widget.get("/Subtype") == "/Widget":
                found[str(widget["/T"])] = (index, widget)
    return found


def appearance_text(widget: Any) -> str:
    """The text a viewer shows for a widget: its /AP /N stream, extracted by pypdf."""
    writer = PdfWriter()
    page = writer.add_blank_page(600, 200)
    xobject = widget["/AP"]["/N"].get_object().clone(writer)
    ref = xobject.indirect_reference or writer._add_object(xobject)  # noqa: SLF001
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Fx"): ref})}
    )
    content = DecodedStreamObject()
    content.set_data(b"q /Fx Do Q")
    page[NameObject("/Contents")] = writer._add_object(content)  # noqa: SLF001
    return page.extract_text()


@pytest.fixture(scope="module")
def filled() -> bytes:
    return fill_pdf("certificat_urbanism", VALUES)


# --- blank PDFs -----------------------------------------------------------------------


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_blank_pdf_is_an_acroform_matching_the_catalog(catalog: Catalog, form_id: str) -> None:
    pdf = blank_pdf(form_id)
    assert pdf.startswith(b"%PDF-")
    form = catalog.get(form_id)
    assert _form_problems(form, pdf) == []
    reader = PdfReader(io.BytesIO(pdf))
    acro_form = reader.trailer["/Root"]["/AcroForm"]
    assert acro_form["/NeedAppearances"] == False  # noqa: E712 - a pypdf BooleanObject
    found = widgets(pdf)
    kinds = {str(w["/FT"]) for _, w in found.values()}
    assert kinds == {"/Tx", "/Btn", "/Sig"}
    signature = [w for _, w in found.values() if w["/FT"] == "/Sig"]
    assert len(signature) == 1 and "/V" not in signature[0]
    for field in form.fields:
        widget = found[field.name][1]
        assert "/AP" in widget, f"{field.name} has no appearance"
        if field.type == "date":
            assert 'AFDate_FormatEx("dd.mm.yyyy")' in widget["/AA"]["/F"]["/JS"]
        if field.type == "checkbox":
            assert set(widget["/AP"]["/N"]) == {"/Yes", "/Off"} and widget["/AS"] == "/Off"


def test_blank_pdf_shows_the_heading_with_diacritics(catalog: Catalog) -> None:
    reader = PdfReader(io.BytesIO(blank_pdf("casatorie")))
    text = reader.pages[0].extract_text()
    for line in (
        "ROMÂNIA",
        "JUDEȚUL ILFOV",
        "PRIMĂRIA ORAȘULUI MĂGURELE",
        "DECLARAȚIE DE CĂSĂTORIE",
        "Viitoarea soție",
        "Semnătura",
    ):
        assert line in text
    assert reader.metadata.title == "Declarație de căsătorie"


def test_field_font_is_embedded_whole_as_a_type0_font_with_romanian_letters() -> None:
    reader = PdfReader(io.BytesIO(blank_pdf("petitie")))
    acro_form = reader.trailer["/Root"]["/AcroForm"]
    fonts = acro_form["/DR"]["/Font"]
    # Named so that PDFium tries it for every typed character (forms_catalog.pdf.font).
    font = fonts["/Wingdings"].get_object()
    assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H"
    assert font["/BaseFont"] == "/DejaVuSans"  # no subset tag: the whole font
    cid_font = font["/DescendantFonts"][0].get_object()
    assert cid_font["/Subtype"] == "/CIDFontType2" and cid_font["/CIDToGIDMap"] == "/Identity"
    font_file = cid_font["/FontDescriptor"]["/FontFile2"].get_object()
    assert font_file["/Length1"] == REGULAR_TTF.stat().st_size
    assert font_file.get_data() == REGULAR_TTF.read_bytes()
    # The ToUnicode map gives each Romanian letter's glyph (indices read with fontTools
    # from the TTF, not from our code) back as that letter.
    from fontTools.ttLib import TTFont

    with TTFont(str(REGULAR_TTF)) as face:
        order, cmap = face.getGlyphOrder(), face.getBestCmap()
    to_unicode = font["/ToUnicode"].get_object().get_data().decode("ascii")
    for letter in "ăâîșțĂÂÎȘȚ":
        gid = order.index(cmap[ord(letter)])
        assert f"<{gid:04X}> <{ord(letter):04X}>" in to_unicode, letter
    for widget in (w for _, w in widgets(blank_pdf("petitie")).values() if w["/FT"] == "/Tx"):
        assert str(widget["/DA"]).startswith("/Wingdings ")


def test_blank_pdf_is_cached_and_generation_is_deterministic(catalog: Catalog, pdf_cache_dir: Path) -> None:
    path = blank_pdf_path("petitie")
    assert path.parent == pdf_cache_dir and path.name.startswith("petitie-")
    assert blank_pdf_path("petitie") == path
    form = catalog.get("petitie")
    department = catalog.department_of(form)
    assert build_pdf(form, department) == build_pdf(form, department) == path.read_bytes()
    stale = pdf_cache_dir / "petitie-0000000000000000.pdf"
    stale.write_bytes(b"old")
    path.unlink()
    assert blank_pdf_path("petitie") == path and not stale.exists()


def test_cache_fingerprint_does_not_depend_on_the_hash_seed() -> None:
    """The Rasa server and the action server share the cache: same name in every process."""
    code = (
        "from forms_catalog import load_catalog; from forms_catalog.pdf import _fingerprint; "
        "c = load_catalog(); print(_fingerprint(c, c.get('casatorie')))"
    )
    names = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=REPO_DIR,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(names) == 1


def test_unknown_form_id(catalog: Catalog) -> None:
    with pytest.raises(UnknownFormError, match="permis_de_pescuit"):
        blank_pdf("permis_de_pescuit")
    with pytest.raises(UnknownFormError):
        fill_pdf("permis_de_pescuit", {})


def test_cli_pdfs_writes_every_form(tmp_path: Path) -> None:
    assert main(["pdfs", "--out", str(tmp_path)]) == 0
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == FORM_IDS


# --- filling --------------------------------------------------------------------------


def test_fill_round_trip_reads_the_values_back(filled: bytes) -> None:
    reader = PdfReader(io.BytesIO(filled))
    assert reader.get_form_text_fields() == {
        **{name: None for name in reader.get_form_text_fields()},
        **EXPECTED,
    }
    fields = reader.get_fields()
    assert fields["scop_construire"]["/V"] == "/Yes"
    assert fields["scop_notarial"]["/V"] == "/Off"
    assert fields["declaratie_corectitudine"]["/V"] == "/Yes"
    assert fields["semnatura"]["/FT"] == "/Sig" and "/V" not in fields["semnatura"]
    assert reader.trailer["/Root"]["/AcroForm"]["/NeedAppearances"] == False  # noqa: E712
    found = widgets(filled)
    assert found["scop_construire"][1]["/AS"] == "/Yes"
    assert found["scop_desfiintare"][1]["/AS"] == "/Off"


def test_filled_values_have_appearance_streams_with_diacritics(filled: bytes) -> None:
    found = widgets(filled)
    assert appearance_text(found["nume_prenume"][1]) == "Ștefan Țuțea-Mărgărit"
    assert appearance_text(found["data_cererii"][1]) == "05.03.2025"
    multiline = appearance_text(found["descriere_lucrari"][1])
    assert " ".join(multiline.split()) == " ".join(VALUES["descriere_lucrari"].split())
    shown = "".join(appearance_text(found[name][1]) for name in EXPECTED)
    for letter in "șțăâîȘȚÎ":
        assert letter in shown, letter
    assert appearance_text(found["act_identitate"][1]) == ""  # not filled: stays empty


def test_page_text_of_the_filled_pdf_keeps_diacritics(filled: bytes) -> None:
    text = PdfReader(io.BytesIO(filled)).pages[0].extract_text()
    assert "PRIMĂRIA ORAȘULUI MĂGURELE" in text and "JUDEȚUL ILFOV" in text
    assert all(letter in text for letter in ROMANIAN_LETTERS[:5])


def test_filling_leaves_the_blank_template_untouched(filled: bytes) -> None:
    blank = blank_pdf("certificat_urbanism")
    assert widgets(blank)["nume_prenume"][1].get("/V") is None
    assert blank != filled


def test_legacy_cedillas_are_written_with_comma_below() -> None:
    out = fill_pdf("petitie", {"nume_prenume": "Ştefan Ţepeş", "subiect": "Şanţ"})
    found = widgets(out)
    assert appearance_text(found["nume_prenume"][1]) == "Ștefan Țepeș"
    assert PdfReader(io.BytesIO(out)).get_form_text_fields()["subiect"] == "Șanț"


@pytest.mark.parametrize(
    "values, field, fragment",
    [
        ({"cnp": "1800101221145"}, "cnp", "CNP: Cifra de control"),
        ({"data_cererii": "30.02.2025"}, "data_cererii", "nu există în calendar"),
        ({"telefon": "12345"}, "telefon", "Telefon: "),
        ({"cod_postal": "77125"}, "cod_postal", "6 cifre"),
        ({"nr_cadastral": "teren"}, "nr_cadastral", "cadastral"),
        ({"email": "ion@"}, "email", "E-mail"),
        ({"nume_prenume": "Ana", "inexistent": "x"}, "inexistent", "nu are câmpul"),
        ({"semnatura": "Ana Pop"}, "semnatura", "semnați documentul"),
        ({"nume_prenume": "Wang 漢字"}, "nume_prenume", "„漢”"),
        ({"scop_construire": "poate"}, "scop_construire", "„da” sau „nu”"),
    ],
)
def test_bad_values_raise_before_anything_is_filled(
    monkeypatch: pytest.MonkeyPatch, values: Dict[str, Any], field: str, fragment: str
) -> None:
    def no_template(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the template must not be opened before values are validated")

    monkeypatch.setattr(pdf_module, "blank_pdf", no_template)
    good = {k: v for k, v in VALUES.items() if k not in values}
    with pytest.raises(FieldValidationError) as raised:
        fill_pdf("certificat_urbanism", {**good, **values})
    assert raised.value.field == field
    assert fragment in raised.value.message


def test_value_too_long_for_its_box_is_an_error() -> None:
    with pytest.raises(FieldValidationError) as raised:
        fill_pdf("casatorie", {"sot_nume": "W" * 70})
    assert raised.value.field == "sot_nume"
    assert "încap doar" in raised.value.message and "nu îl tăiem" in raised.value.message


# --- rendering with poppler -------------------------------------------------------------


DPI = 150


@needs_pdftoppm
def test_rendered_page_shows_the_filled_values(filled: bytes, tmp_path: Path) -> None:
    """Poppler draws the values from our appearance streams (NeedAppearances is false)."""
    blank = engines.poppler_render_gray(blank_pdf("certificat_urbanism"), tmp_path, "blank", DPI)
    full = engines.poppler_render_gray(filled, tmp_path, "filled", DPI)
    found = widgets(filled)
    for name in ("nume_prenume", "domiciliu", "descriere_lucrari", "scop_construire"):
        page, widget = found[name]
        assert page == 0
        rect = widget["/Rect"]
        before, after = engines.dark_pixels(blank, rect, DPI), engines.dark_pixels(full, rect, DPI)
        assert before == 0 and after > 20, f"{name}: {before} → {after} dark pixels"
    assert engines.dark_pixels(full, found["act_identitate"][1]["/Rect"], DPI) == 0


@needs_pdftoppm
def test_every_blank_form_renders_to_png(tmp_path: Path) -> None:
    for form_id in FORM_IDS:
        out = tmp_path / form_id
        subprocess.run(
            [
                PDFTOPPM,
                "-png",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(blank_pdf_path(form_id)),
                str(out),
            ],
            check=True,
            timeout=60,
        )
        assert out.with_suffix(".png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), form_id
