from pathlib import Path

import pytest


@pytest.fixture
def handoff_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, migrated handoff database (no clerk) that the actions use via DATABASE_URL."""
    from handoff.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url
