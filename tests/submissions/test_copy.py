"""What citizens and clerks read about filings: Romanian with ș and ț (comma below), in the
formal register."""

import re
from pathlib import Path

import pytest

from submissions import copy

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    *sorted((ROOT / "submissions").glob("*.py")),
    ROOT / "submissions" / "terms.yml",
    ROOT / "livechat" / "filings.py",
    ROOT / "actions" / "submissions.py",
    ROOT / "web" / "submissions.py",
    ROOT / "web" / "department.py",
    *sorted((ROOT / "web" / "static").glob("submit.*")),
    *sorted((ROOT / "web" / "static").glob("department.*")),
]
# Second-person singular imperatives a button or a sentence must not use.
INFORMAL = re.compile(r"\b(Completează|Trimite|Încarcă|Descarcă|Alege|Scrie|Șterge|Adaugă|Vorbește|Lasă)\b")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_cedilla_and_no_informal_imperative(path: Path):
    text = path.read_text(encoding="utf-8")
    assert not set("şţŞŢ") & set(text), f"{path}: ş/ţ with cedilla"
    assert INFORMAL.search(text) is None, f"{path}: {INFORMAL.search(text)}"


def test_every_text_of_copy_is_a_romanian_sentence():
    texts = [v for k, v in vars(copy).items() if k.isupper() and isinstance(v, str)]
    assert len(texts) > 25
    # Words that need a diacritic, written without it.
    bare = re.compile(r"\b(si|sa|in|va|dumneavoastra|cerere depusa|inregistrata|actiune|raspuns)\b", re.I)
    for text in texts:
        assert text[0].isupper() or text[0] == "{", text
        assert bare.search(text) is None, text
