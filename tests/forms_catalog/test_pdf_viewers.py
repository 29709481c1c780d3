"""Typing into the catalog's PDFs in real viewers: PDFium (Chrome's viewer) and pdf.js
(Firefox's), then reading back what the saved file *shows* with PDFium and poppler.

A citizen opens the blank form, clicks into a field, types (on a phone often without
diacritics, but names have them), and prints or sends the saved file. The value stored in
``/V`` is not enough: the appearance stream the viewer wrote is what is printed, flattened
and seen by the clerk. So each test types as a person does, saves, flattens the copy with
PDFium and reads the text of the field's box back.
"""

import os
import shutil
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

from forms_catalog import load_catalog
from forms_catalog.pdf import REPO_DIR, blank_pdf
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
    return [(f.name, f.max_length or 1000, f.multiline) for f in form.fields
            if f.type == "text" and not f.validator]


def sample_for(max_length: int, multiline: bool) -> str:
    """What a person types into a field of that size: every Romanian letter if it fits."""
    if multiline:
        return f"{TYPED_NAME}\nmașinile își roțile; {TYPED_ALL}"
    for text in (f"{TYPED_NAME} {TYPED_ALL}", TYPED_NAME, TYPED_ALL):
        if len(text) <= max_length:
            return text
    return TYPED_ALL[:max_length]


def entries_for(form_id: str) -> Dict[str, str]:
    return {name: sample_for(length, multiline)
            for name, length, multiline in free_text_fields(form_id)}


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
    return {form_id: engines.pdfium_type(blank_pdf(form_id), entries_for(form_id))
            for form_id in FORM_IDS}


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_pdfium_typing_keeps_the_value(pdfium_typed: Dict[str, bytes], form_id: str) -> None:
    saved = engines.widgets(pdfium_typed[form_id])
    for name, typed in entries_for(form_id).items():
        assert saved[name].value is not None, f"{form_id}.{name}: nothing stored"
        assert saved[name].value.replace("\r\n", "\n") == typed, f"{form_id}.{name}"


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_pdfium_typing_shows_every_romanian_letter(pdfium_typed: Dict[str, bytes],
                                                    form_id: str) -> None:
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
            problems.append(f"{name}: typed {typed!r}, page shows {shown.text!r} "
                            f"(missing {''.join(missing)})")
            continue
        if " ".join(shown.text.split()) != " ".join(typed.split()):
            problems.append(f"{name}: typed {typed!r}, page shows {shown.text!r}")
        other_fonts = {c: f for c, f in shown.fonts.items() if "DejaVuSans" not in f}
        if other_fonts:
            problems.append(f"{name}: drawn with other fonts {other_fonts}")
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
        missing("pdf.js is not installed: run `make pdfjs` "
                "(npm ci in tests/forms_catalog/pdfjs)")
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
    context = browser.new_context(viewport={"width": 1000, "height": 1300},  # type: ignore
                                  locale="ro-RO")
    try:
        for form_id in FORM_IDS:
            page = context.new_page()
            url = site.add(f"{form_id}.pdf", blank_pdf(form_id))
            saved[form_id] = engines.pdfjs_type(page, url, entries_for(form_id),
                                                ARTIFACTS / f"pdfjs-{form_id}.png")
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
        if engines.PDFTOTEXT:
            text = engines.poppler_text_in(flat, widget.page, widget.rect, tmp_path)
            if " ".join(text.split()) != " ".join(typed.split()):
                problems.append(f"{name}: typed {typed!r}, poppler shows {text!r}")
    assert not problems, f"{form_id}: " + "; ".join(problems)
