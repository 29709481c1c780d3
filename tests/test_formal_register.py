"""Every button a citizen or clerk sees speaks to them formally ("Descărcați", "Vorbiți"),
as the texts around it do ("dumneavoastră"): the titles of the domain's buttons, of the
button lists in the code, and the buttons, options and labels of the pages and scripts."""

import ast
import re
import unicodedata
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PYTHON_PACKAGES = ("actions", "livechat", "forms_catalog", "web", "archive")
SCRIPTS = sorted((ROOT / "web" / "static").glob("*.js"))
PAGES = sorted((ROOT / "web" / "static").glob("*.html")) + sorted((ROOT / "web").glob("*.py"))

# Second-person-singular imperatives of the verbs buttons use (folded: no diacritics,
# lower case); besides, any first word ending in -ează or -ește is one ("Completează",
# "Vorbește").
INFORMAL = {
    "adauga", "afla", "alege", "anuleaza", "apasa", "arata", "cauta", "citeste", "completeaza",
    "confirma", "continua", "corecteaza", "depune", "descarca", "deschide", "exporta",
    "fa", "ia", "incearca", "incepe", "inchide", "intra", "introdu", "mergi", "modifica",
    "noteaza", "plateste", "preda", "preia", "raspunde", "reincearca", "renunta", "retrimite",
    "revino", "salveaza", "scrie", "selecteaza", "semnaleaza", "semneaza", "sterge", "suna",
    "transfera", "treci", "trimite", "verifica", "vezi", "vino", "vorbeste",
}  # fmt: skip


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def informal(title: str) -> bool:
    """Whether ``title`` starts with a second-person-singular imperative."""
    words = re.findall(r"[^\W\d_]+", title)
    if not words:
        return False
    first = fold(words[0])
    return first in INFORMAL or first.endswith(("eaza", "este"))


def domain_titles() -> Iterator[Tuple[str, str]]:
    for path in sorted((ROOT / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            for variation in variations:
                for button in variation.get("buttons") or []:
                    yield f"{path.name}:{name}", str(button["title"])


def python_titles() -> Iterator[Tuple[str, str]]:
    """The "title" of every dict literal in the code (the constant start of an f-string)."""
    for package in PYTHON_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Dict):
                    continue
                for key, value in zip(node.keys, node.values):
                    if not (isinstance(key, ast.Constant) and key.value == "title"):
                        continue
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", value.value
                    elif isinstance(value, ast.JoinedStr) and value.values:
                        head = value.values[0]
                        if isinstance(head, ast.Constant):
                            yield f"{path.relative_to(ROOT)}:{node.lineno}", str(head.value)


SCRIPT_PATTERNS = (
    re.compile(r'el\("button",\s*[^,]+,\s*"([^"]+)"'),  # el("button", class, text)
    re.compile(r'option\("[^"]*",\s*"([^"]+)"'),  # option(value, text)
    re.compile(r'title:\s*"([^"]+)"'),  # { title: "…", url: … }
    re.compile(r'setAttribute\("aria-label",\s*"([^"]+)"'),
    re.compile(r'\.(?:textContent|placeholder)\s*=\s*"([^"]+)"'),
    re.compile(r'send\("([^"]+)",\s*"/'),  # a button's text sent with its payload
)
PAGE_PATTERNS = (
    re.compile(r"<button[^>]*>([^<]+)</button>"),
    re.compile(r'aria-label="([^"{]+)"'),
    re.compile(r"<option[^>]*>([^<]+)</option>"),
)


def script_titles() -> Iterator[Tuple[str, str]]:
    for path in SCRIPTS:
        text = path.read_text(encoding="utf-8")
        for pattern in SCRIPT_PATTERNS:
            for match in pattern.finditer(text):
                yield path.name, match.group(1)
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        for pattern in PAGE_PATTERNS:
            for match in pattern.finditer(text):
                yield path.name, match.group(1)


def every_title() -> List[Tuple[str, str]]:
    return [*domain_titles(), *python_titles(), *script_titles()]


@pytest.mark.parametrize(
    "title",
    ["Descarcă formularul (PDF)", "Vorbește cu un funcționar", "Completează acum", "Trimite",
     "Scrie un e-mail: a@b.ro", "Caută", "[Semnalează: spam]", "Reîncearcă"],
)  # fmt: skip
def test_the_check_catches_an_informal_button(title: str) -> None:
    assert informal(title)


@pytest.mark.parametrize(
    "title",
    ["Descărcați formularul (PDF)", "Vorbiți cu un funcționar", "Completați acum", "Trimiteți",
     "Taxe și impozite", "Asistență socială", "Stare civilă", "Conversație nouă", "Da", "Ieșire"],
)  # fmt: skip
def test_the_check_lets_formal_buttons_and_nouns_through(title: str) -> None:
    assert not informal(title)


def test_every_button_speaks_formally() -> None:
    titles = every_title()
    seen = {title for _where, title in titles}
    # The collectors find the buttons we know of (an empty scan would pass everything).
    for known in ("Completați acum", "Taxe și impozite", "Conversație nouă", "Ieșire"):
        assert any(title.startswith(known) for title in seen), known
    offenders = [f"{where}: {title}" for where, title in titles if informal(title)]
    assert not offenders, "informal register:\n" + "\n".join(offenders)
