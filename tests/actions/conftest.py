from pathlib import Path

import pytest


@pytest.fixture
def no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DATABASE_URL names a file that does not exist: an action that opened the database
    would fail or create it (the test checks it does not appear)."""
    path = tmp_path / "never.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    return path
