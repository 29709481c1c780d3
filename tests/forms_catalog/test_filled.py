"""forms_catalog/filled.py: the PDFs filled in the chat, kept by a random token for a while."""

import os
import stat
from pathlib import Path

import pytest

from forms_catalog.errors import CatalogError
from forms_catalog.filled import FilledStore, download_path


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_kept_pdf_is_read_back_by_its_token_only(tmp_path: Path) -> None:
    store = FilledStore(tmp_path / "filled")
    token = store.save(b"%PDF-1.7 test")
    assert len(token) == 43 and download_path(token) == f"/formulare/completate/{token}.pdf"
    assert store.read(token) == b"%PDF-1.7 test"
    assert stat.S_IMODE((tmp_path / "filled" / f"{token}.pdf").stat().st_mode) == 0o600
    assert store.save(b"%PDF-1.7 other") != token
    for wrong in ("", "../filled/" + token, token[:-1], token + "A", "A" * 43):
        assert store.read(wrong) is None


def test_an_expired_pdf_is_refused_and_deleted_when_the_next_one_is_kept(tmp_path: Path) -> None:
    clock = Clock(1_000_000.0)
    store = FilledStore(tmp_path, hours=1, clock=clock)
    old = store.save(b"old")
    os.utime(tmp_path / f"{old}.pdf", (clock.now, clock.now))
    clock.now += 3601
    new = store.save(b"new")
    os.utime(tmp_path / f"{new}.pdf", (clock.now, clock.now))
    assert not (tmp_path / f"{old}.pdf").exists()
    assert store.read(new) == b"new"
    clock.now += 3601
    assert store.read(new) is None and not (tmp_path / f"{new}.pdf").exists()


def test_discard_removes_a_kept_pdf(tmp_path: Path) -> None:
    store = FilledStore(tmp_path)
    token = store.save(b"x")
    store.discard(token)
    assert store.read(token) is None and list(tmp_path.iterdir()) == []


def test_settings_from_the_environment(tmp_path: Path) -> None:
    store = FilledStore.from_env({"FILLED_FORMS_DIR": str(tmp_path), "FILLED_FORMS_HOURS": "2"})
    assert store.directory == tmp_path and store.seconds == 7200
    assert FilledStore.from_env({}).directory.parts[-2:] == ("var", "filled")
    for bad in ("zero", "0", "-3"):
        with pytest.raises(CatalogError, match="FILLED_FORMS_HOURS"):
            FilledStore.from_env({"FILLED_FORMS_HOURS": bad})
