"""Fixtures: every submissions test runs on SQLite and on PostgreSQL, with the test seal.

The databases come from the archive's fixtures (a migrated template copied per test for
SQLite; one migrated PostgreSQL database for the run, emptied before each test).
"""

import datetime as dt
import io
import shutil
from typing import Any, Dict, Iterator

import pytest
from PIL import Image

from archive import Archive
from archive.models import GENESIS_HASH
from forms_catalog.seal import load_seal
from storage import db
from storage.accounts import AccountStore
from submissions.department import DepartmentDesk
from submissions.filings import Submissions
from tests.archive.conftest import (  # noqa: F401 - fixtures
    ARCHIVE_TABLES,
    FakeClock,
    _pg_connect,
    backend,
    pg_database,
    pg_databases,
    pg_server,
    sqlite_template,
    witness_file,
)
from tests.forms_catalog.conftest import pdf_cache_dir  # noqa: F401 - fixture
from tests.forms_catalog.seal_fixtures import dev_pki, seal_env  # noqa: F401 - fixtures

SUBMISSION_TABLES = ("outbox", "submission_files", "submissions", "submission_counters")


def _empty_pg(url: str) -> None:
    conn = _pg_connect(url)
    try:
        with conn.cursor() as cur:
            for table in SUBMISSION_TABLES + ARCHIVE_TABLES:
                cur.execute(f"DELETE FROM {table}")
            cur.execute("UPDATE archive_head SET seq = 0, hash = %s, at = NULL", (GENESIS_HASH,))
    finally:
        conn.close()


@pytest.fixture
def db_url(backend, request, tmp_path) -> str:
    """A migrated, empty database on the backend of this test."""
    if backend == "sqlite":
        path = tmp_path / "submissions.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _empty_pg(url)
    return url


@pytest.fixture
def engine(db_url) -> Iterator[Any]:
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    # Monday 2 March 2026, 10:30 in Măgurele.
    return FakeClock(dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.timezone.utc))


@pytest.fixture(scope="session")
def seal(seal_env: Dict[str, str]) -> Any:
    return load_seal(seal_env)


@pytest.fixture
def subs(engine, seal, clock) -> Submissions:
    return Submissions(engine, seal=seal, clock=clock)


@pytest.fixture
def desk(engine, clock) -> DepartmentDesk:
    return DepartmentDesk(engine, clock=clock)


@pytest.fixture
def archive(db_url, clock) -> Iterator[Archive]:
    archive = Archive(db_url, clock=clock)
    yield archive
    archive.close()


@pytest.fixture
def accounts(engine) -> AccountStore:
    return AccountStore(engine)


def jpeg(width: int = 64, height: int = 48, exif: Any = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 30, 30))
    if exif is None:
        image.save(out, "JPEG")
    else:
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 40, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 120, 0, 255)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(text: str = "Act de identitate") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()
