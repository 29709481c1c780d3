"""The chain head, witnessed outside the database.

``verify`` proves that the turns in the database link up; it cannot notice that the
whole database was shortened (the last turns deleted together with the head row) or
replaced by another chain that verifies on its own. So every ``verify`` and every
``python -m archive head`` appends the head it saw to a witness file outside the
database — append-only, fsynced, one JSON line each — and the next ``verify`` fails if
the archive is behind what was witnessed, or has another hash where a witnessed head
was. ``python -m archive head`` also prints the head, for the city hall to record
elsewhere too (a register, an e-mail), since whoever can replace the database may be
able to replace this file.

The file is ``$ARCHIVE_WITNESS``, else ``var/archive-witness.log``; one file may serve
several databases: each line names the database by a digest of its URL (without the
password).
"""

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import sqlalchemy as sa

from archive.errors import db_errors
from archive.models import Purge, Turn
from storage import db

WITNESS_ENV = "ARCHIVE_WITNESS"
DEFAULT_WITNESS = db.PROJECT_ROOT / "var" / "archive-witness.log"


@dataclass(frozen=True)
class Witnessed:
    """One head seen: when, of which database, and the head."""

    at: str
    database: str
    seq: int
    hash: str


def witness_path() -> Path:
    raw = os.environ.get(WITNESS_ENV, "").strip()
    return Path(raw) if raw else DEFAULT_WITNESS


def database_id(url: sa.engine.URL) -> str:
    """Which database a witness line is about: a digest of its URL without password."""
    shown = url.render_as_string(hide_password=True)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]


def record(path: Path, database: str, head: Tuple[int, str]) -> Witnessed:
    """Append ``head`` to the witness file and fsync it before returning."""
    entry = Witnessed(
        at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        database=database,
        seq=int(head[0]),
        hash=head[1],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry.__dict__, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def last_witnessed(path: Path, database: str) -> Optional[Witnessed]:
    """The newest head witnessed for ``database``, or None."""
    if not path.exists():
        return None
    found: Optional[Witnessed] = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = Witnessed(**json.loads(line))
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a witness line ({error})") from None
        if entry.database == database:
            found = entry
    return found


def behind_witness(engine: sa.engine.Engine, witnessed: Witnessed, head: Tuple[int, str]) -> List[str]:
    """What contradicts the witnessed head: an empty list when the archive still holds it."""
    seq, _hash = head
    if seq < witnessed.seq:
        return [
            f"the archive ends at seq {seq}, but seq {witnessed.seq} was witnessed on "
            f"{witnessed.at}: turns were removed or the database was replaced"
        ]
    turns, purges = Turn.__table__, Purge.__table__
    with db_errors("read the witnessed head"), engine.connect() as conn:
        stored = conn.execute(sa.select(turns.c.hash).where(turns.c.seq == witnessed.seq)).scalar()
        purged_through = conn.execute(sa.select(sa.func.max(purges.c.through_seq))).scalar() or 0
        checkpoint = conn.execute(
            sa.select(purges.c.through_hash).where(purges.c.through_seq == witnessed.seq)
        ).scalar()
    if stored is None:
        if witnessed.seq <= purged_through:
            # Purged since: only a checkpoint at exactly that seq still holds its hash.
            if checkpoint is not None and checkpoint != witnessed.hash:
                return [f"the purge checkpoint at seq {witnessed.seq} has another hash than witnessed"]
            return []
        return [f"seq {witnessed.seq}, witnessed on {witnessed.at}, is missing from the archive"]
    if stored != witnessed.hash:
        return [
            f"seq {witnessed.seq} has hash {stored}, but {witnessed.hash} was witnessed on "
            f"{witnessed.at}: the archive was replaced"
        ]
    return []
