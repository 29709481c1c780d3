"""Fixtures for the forms catalog tests (package ``tests.forms_catalog``)."""

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from forms_catalog import Catalog, load_catalog
from forms_catalog.loader import PACKAGE_DIR


@pytest.fixture(scope="session", autouse=True)
def pdf_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Generated PDFs go to a temporary cache, never to the repository's var/."""
    directory = tmp_path_factory.mktemp("pdf-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FORMS_CATALOG_PDF_DIR", str(directory))
        yield directory


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    """A writable copy of the catalog files (to break on purpose)."""
    root = tmp_path / "catalog"
    root.mkdir()
    for name in ("departments.yml", "fieldsets.yml"):
        shutil.copy(PACKAGE_DIR / name, root / name)
    shutil.copytree(PACKAGE_DIR / "forms", root / "forms")
    return root
