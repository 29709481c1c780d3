"""Typing into the catalog's PDFs in real viewers: PDFium (Chrome's viewer) and pdf.js
(Firefox's), then reading back what the saved file *shows* with PDFium and poppler.

A citizen opens the blank form, clicks into a field, types (on a phone often without
diacritics, but names have them), and prints or sends the saved file. The value stored in
``/V`` is not enough: the appearance stream the viewer wrote is what is printed, flattened
and seen by the clerk. So each test types as a person does, saves, flattens the copy with
PDFium and reads the text of the field's box back.
"""

import os
import re
import shutil
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from forms_catalog import FieldValidationError, load_catalog
from forms_catalog.pdf import REPO_DIR, blank_pdf, fill_pdf
from tests.forms_catalog import pdf_engines as engines

CATALOG = load_catalog()
FORM_IDS = sorted(CATALOG.forms)
ROMANIAN_LETTERS = "ăâîșțĂÂÎȘȚ"
# Every Romanian letter, capitals included, in a name a person may have; 24 characters,
# shorter than the smallest free-text field (act_identitate, 20 characters, is skipped).
TYPED_NAME = "Ștefan Țăranu-Îndrieș"
TYPED_ALL = "Ăă Ââ Îî Șș Țț"
assert set(ROMANIAN_LETTERS) <= set(TYPED_NAME + TYPED_ALL)


def free_text_fields(form_id: str) -> List[Tuple[str, int, bool]]:
    """(name, max length, multi-line) of the form's text fields without a validator —
    those where a person types words (names, addresses, descriptions)."""
    form = CATALOG.get(form_id)
    return [
        (f.name, f.max_length or 1000, f.multiline)
        for f in form.fields
        if f.type == "text" and not f.validator
    ]


def sample_for(max_length: int, multiline: bool) -> str:
    """What a person types into a field of that size: every Romanian letter if it fits."""
    if multiline:
        return f"{TYPED_NAME}\nmașinile își roțile; {TYPED_ALL}"
    for text in (f"{TYPED_NAME} {TYPED_ALL}", TYPED_NAME, TYPED_ALL):
        if len(text) <= max_length:
            return text
    return TYPED_ALL[:max_length]


def entries_for(form_id: str) -> Dict[str, str]:
    return {name: sample_for(length, multiline) for name, length, multiline in free_text_fields(form_id)}


def letters_shown(typed: str, shown: str) -> Dict[str, bool]:
    """For each Romanian letter of ``typed``: is it in the text read back from the page?"""
    return {letter: letter in shown for letter in ROMANIAN_LETTERS if letter in typed}


def test_every_form_has_a_free_text_field_with_room_for_every_letter() -> None:
    """Guards the parametrisation below: no form is tested on an empty or partial sample."""
    for form_id in FORM_IDS:
        typed = "".join(entries_for(form_id).values())
        assert set(ROMANIAN_LETTERS) <= set(typed), form_id


# --- PDFium ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdfium_typed() -> Dict[str, bytes]:
    """Every form, with every free-text field typed into in PDFium and saved."""
    return {form_id: engines.pdfium_type(blank_pdf(form_id), entries_for(form_id)) for form_id in FORM_IDS}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_pdfium_typing_keeps_the_value(pdfium_typed: Dict[str, bytes], form_id: str) -> None:
    saved = engines.widgets(pdfium_typed[form_id])
    for name, typed in entries_for(form_id).items():
        assert saved[name].value is not None, f"{form_id}.{name}: nothing stored"
        assert saved[name].value.replace("\r\n", "\n") == typed, f"{form_id}.{name}"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_pdfium_typing_shows_every_romanian_letter(pdfium_typed: Dict[str, bytes], form_id: str) -> None:
    """The appearance PDFium builds while the citizen types shows ă â î ș ț (and capitals),
    drawn with the embedded DejaVu Sans, not dropped or drawn by a fallback font."""
    flat = engines.pdfium_flatten(pdfium_typed[form_id])
    boxes = engines.widgets(pdfium_typed[form_id])
    problems = []
    for name, typed in entries_for(form_id).items():
        widget = boxes[name]
        shown = engines.pdfium_text_in(flat, widget.page, widget.rect)
        missing = [c for c, ok in letters_shown(typed, shown.text).items() if not ok]
        if missing:
            problems.append(
                f"{name}: typed {typed!r}, page shows {shown.text!r} (missing {''.join(missing)})"
            )
            continue
        if " ".join(shown.text.split()) != " ".join(typed.split()):
            problems.append(f"{name}: typed {typed!r}, page shows {shown.text!r}")
        other_fonts = {c: f for c, f in shown.fonts.items() if "DejaVuSans" not in f}
        if other_fonts:
            problems.append(f"{name}: drawn with other fonts {other_fonts}")
    assert not problems, f"{form_id}: " + "; ".join(problems)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_poppler_shows_what_was_typed_in_pdfium(
    pdfium_typed: Dict[str, bytes], form_id: str, tmp_path: Path
) -> None:
    """The saved file as poppler (Okular, Evince, print pipelines) reads and draws it,
    from PDFium's appearance streams, without flattening."""
    if not (engines.PDFTOTEXT and engines.PDFTOPPM):
        missing("pdftotext/pdftoppm (poppler-utils) are not installed")
    saved = pdfium_typed[form_id]
    boxes = engines.widgets(saved)
    pages = {boxes[name].page for name in entries_for(form_id)}
    images = {page: engines.poppler_render_gray(saved, tmp_path, f"p{page}", 100, page + 1) for page in pages}
    problems = []
    for name, typed in entries_for(form_id).items():
        widget = boxes[name]
        text = engines.poppler_text_in(saved, widget.page, widget.rect, tmp_path)
        if " ".join(text.split()) != " ".join(typed.split()):
            problems.append(f"{name}: typed {typed!r}, poppler reads {text!r}")
        if engines.dark_pixels(images[widget.page], widget.rect, 100) < 10 * len(typed):
            problems.append(f"{name}: poppler draws almost nothing in the field")
    assert not problems, f"{form_id}: " + "; ".join(problems)


# --- pdf.js (Firefox's viewer) in Debian's chromium --------------------------------------

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO_DIR / "var" / "artifacts" / "forms_catalog"


def missing(reason: str) -> None:
    """Skip on a developer's machine that lacks a tool; fail in CI, which installs them all
    (.ci/run), so that a broken install can never pass as a skipped test."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must have this: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (requirements.txt)")
    if not Path(CHROMIUM).exists():
        missing(f"no chromium at {CHROMIUM}: apt-get install chromium (Debian's package)")
    if not (engines.PDFJS_DIST / "build" / "pdf.mjs").is_file():
        missing("pdf.js is not installed: run `make pdfjs` (npm ci in tests/forms_catalog/pdfjs)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site() -> Iterator[engines.PdfjsSite]:
    server = engines.PdfjsSite()
    yield server
    server.close()


@pytest.fixture(scope="module")
def pdfjs_typed(browser: object, site: engines.PdfjsSite) -> Dict[str, bytes]:
    """Every form, opened in pdf.js, every free-text field typed into, saved."""
    saved = {}
    context = browser.new_context(
        viewport={"width": 1000, "height": 1300},  # type: ignore
        locale="ro-RO",
    )
    try:
        for form_id in FORM_IDS:
            page = context.new_page()
            url = site.add(f"{form_id}.pdf", blank_pdf(form_id))
            saved[form_id] = engines.pdfjs_type(
                page, url, entries_for(form_id), ARTIFACTS / f"pdfjs-{form_id}.png"
            )
            page.close()
    finally:
        context.close()
    return saved


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_pdfjs_typing_keeps_the_value_and_shows_every_letter(
    pdfjs_typed: Dict[str, bytes], form_id: str, tmp_path: Path
) -> None:
    """pdf.js writes the typed values and their appearance streams on save; PDFium and
    poppler both show every Romanian letter of them, drawn with the embedded font."""
    if not engines.PDFTOTEXT:
        missing("pdftotext (poppler-utils) is not installed")
    saved = pdfjs_typed[form_id]
    boxes = engines.widgets(saved)
    flat = engines.pdfium_flatten(saved)
    problems = []
    for name, typed in entries_for(form_id).items():
        widget = boxes[name]
        if (widget.value or "").replace("\r\n", "\n") != typed:
            problems.append(f"{name}: stored {widget.value!r}, typed {typed!r}")
        shown = engines.pdfium_text_in(flat, widget.page, widget.rect)
        if " ".join(shown.text.split()) != " ".join(typed.split()):
            problems.append(f"{name}: typed {typed!r}, PDFium shows {shown.text!r}")
        other_fonts = {c: f for c, f in shown.fonts.items() if "DejaVuSans" not in f}
        if other_fonts:
            problems.append(f"{name}: drawn with other fonts {other_fonts}")
        text = engines.poppler_text_in(flat, widget.page, widget.rect, tmp_path)
        if " ".join(text.split()) != " ".join(typed.split()):
            problems.append(f"{name}: typed {typed!r}, poppler shows {text!r}")
    assert not problems, f"{form_id}: " + "; ".join(problems)


# --- what the server's fill_pdf writes, as the engines show it ---------------------------

LONG_TEXT = (
    "Subsemnatul Ștefan Țăranu-Îndrieș vă rog să verificați starea trotuarului din fața "
    "școlii: mașinile își parchează roțile pe el, iar copiii trec prin șanț. ÎNȚELEG că "
    "lucrările se aprobă în ședința consiliului; aștept răspunsul dumneavoastră în scris."
)


def test_fill_pdf_wraps_a_multiline_value_and_pdfium_and_poppler_show_it_whole(tmp_path: Path) -> None:
    form_id, name = "petitie", "continut"
    filled = fill_pdf(form_id, {name: LONG_TEXT})
    widget = engines.widgets(filled)[name]
    flat = engines.pdfium_flatten(filled)
    lines = engines.pdfium_lines_in(flat, widget.page, widget.rect)
    assert len(lines) >= 2, lines  # wrapped, not one line running out of the box
    assert " ".join(lines).split() == LONG_TEXT.split()  # every word, in order, inside
    if not engines.PDFTOTEXT:
        missing("pdftotext (poppler-utils) is not installed")
    shown = engines.poppler_text_in(flat, widget.page, widget.rect, tmp_path)
    assert shown.split() == LONG_TEXT.split()


def test_pdfium_wraps_a_long_paragraph_typed_into_a_multiline_field() -> None:
    saved = engines.pdfium_type(blank_pdf("petitie"), {"continut": LONG_TEXT})
    widget = engines.widgets(saved)["continut"]
    lines = engines.pdfium_lines_in(engines.pdfium_flatten(saved), widget.page, widget.rect)
    assert len(lines) >= 2, lines
    assert " ".join(lines).split() == LONG_TEXT.split()


def test_a_form_filled_by_fill_pdf_can_be_corrected_in_pdfium() -> None:
    """The server fills a form; the citizen corrects a value and adds one in Chrome."""
    filled = fill_pdf("petitie", {"nume_prenume": "Stefan Taranu", "subiect": "Trotuar"})
    corrected = engines.pdfium_type(filled, {"nume_prenume": TYPED_NAME}, replace=True)
    final = engines.pdfium_type(corrected, {"domiciliu": "Str. Școlii nr. 5, Vârteju"})
    boxes = engines.widgets(final)
    flat = engines.pdfium_flatten(final)
    expected = {"nume_prenume": TYPED_NAME, "subiect": "Trotuar", "domiciliu": "Str. Școlii nr. 5, Vârteju"}
    for name, value in expected.items():
        assert boxes[name].value == value, name
        assert engines.pdfium_text_in(flat, boxes[name].page, boxes[name].rect).text.strip() == value, name


@pytest.mark.parametrize(
    "form_id, name, value",
    [
        ("casatorie", "sot_nume", "Wolfgang-Maximilian Țăranu-Îndrieș WWWWWWWWWWWWWWWWWWWWWW"),
        ("petitie", "continut", "Rândul meu.\n" * 40),
    ],
    ids=["single-line", "multi-line"],
)
def test_fill_pdf_refuses_a_value_that_does_not_fit_and_says_how_much_fits(
    form_id: str, name: str, value: str
) -> None:
    """Refused with the field's label and the number of characters that fit; and that
    number is the real limit: that many show whole in PDFium, one more is refused."""
    value = value.strip()
    with pytest.raises(FieldValidationError) as raised:
        fill_pdf(form_id, {name: value})
    error = raised.value
    label = CATALOG.get(form_id).field(name).label
    assert error.field == name and error.message.startswith(f"{label}: textul are ")
    match = re.search(r"încap doar (\d+);", error.message)
    assert match, error.message
    fits = int(match.group(1))
    assert 0 < fits < len(value)
    shortened = value[:fits]
    filled = fill_pdf(form_id, {name: shortened})
    widget = engines.widgets(filled)[name]
    lines = engines.pdfium_lines_in(engines.pdfium_flatten(filled), widget.page, widget.rect)
    assert " ".join(lines).split() == shortened.split()
    end = fits + 1
    while value[end - 1].isspace():  # trailing white space is stripped, so not "one more"
        end += 1
    with pytest.raises(FieldValidationError):
        fill_pdf(form_id, {name: value[:end]})
