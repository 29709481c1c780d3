"""One group commit for every writer of the archive in a process: the website channel's turn
sink (archive/sink.py) and the tracker store (archive/tracker_store.py).

Both extend the one hash chain, so each of their transactions locks its head: written
apart, a citizen's turn, Rasa's save of the tracker and the bot's turn were three
transactions queuing for that lock, for every message. Here the writes that arrive
together — of any conversation, from either writer — are one transaction (one pass over
the chain head, one commit); when it fails, each write is tried again alone, so one bad
write never costs another (``storage.group_commit.each_alone``).

A writer is a :class:`Batch`: how to write its jobs inside the shared transaction, and what
to do once it committed. Each writer writes all its jobs of a batch at once (one pass over
the chain head for all of them, not one per run of consecutive jobs: the channel's turns and
Rasa's saves arrive interleaved), writers in the order their first job arrived, each
writer's jobs in their order. The jobs of one batch were all waiting at once — none of them
had been told the other was written — so any order between writers is one they could have
arrived in; a conversation's own jobs of one writer keep theirs.
"""

import asyncio
import weakref
from typing import Any, Callable, Dict, List, Protocol, Sequence, Tuple

from sqlalchemy.engine import Connection, Engine

from archive.errors import ArchiveUnavailable, db_errors
from storage import db
from storage.group_commit import GroupCommit, Outcome, each_alone

AfterCommit = Callable[[], None]


class Batch(Protocol):
    """A writer of the archive."""

    def write_in(self, conn: Connection, jobs: Sequence[Any]) -> Tuple[List[Any], AfterCommit]:
        """Write ``jobs`` in the caller's transaction: one result per job, and what to do
        once the transaction committed."""
        ...  # pragma: no cover


Job = Tuple[Batch, Any]


class ArchiveWriter:
    """The shared group commit of one database (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.group: GroupCommit[Job, Any] = GroupCommit(
            lambda jobs: each_alone(jobs, self._together),
            stopped=lambda: ArchiveUnavailable("the server stopped during the write; send again"),
        )

    async def submit(self, batch: Batch, job: Any) -> Any:
        """Write ``job`` with ``batch``, with whatever else is written now; its result."""
        return await self.group.submit((batch, job))

    def _together(self, jobs: Sequence[Job]) -> List["Outcome[Any]"]:
        results: List[Any] = [None] * len(jobs)
        after: List[AfterCommit] = []
        with db_errors(f"write {len(jobs)} change(s) to the archive"):
            with db.write_transaction(self.engine) as conn:
                for batch, indexes in _by_writer(jobs).items():
                    written, then = batch.write_in(conn, [jobs[i][1] for i in indexes])
                    for i, result in zip(indexes, written):
                        results[i] = result
                    after.append(then)
        for then in after:  # only once committed
            then()
        return results


def _by_writer(jobs: Sequence[Job]) -> Dict[Batch, List[int]]:
    """The positions of each writer's jobs, writers in the order of their first job."""
    positions: Dict[Batch, List[int]] = {}
    for i, (batch, _) in enumerate(jobs):
        positions.setdefault(batch, []).append(i)
    return positions


# loop -> database URL -> writer: a writer's futures belong to the loop it was used on.
_WRITERS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[str, ArchiveWriter]]" = (
    weakref.WeakKeyDictionary()
)


def shared_writer(engine: Engine) -> ArchiveWriter:
    """The writer of ``engine``'s database for the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    by_url = _WRITERS.setdefault(loop, {})
    key = db.url_key(engine.url)
    writer = by_url.get(key)
    if writer is None:
        writer = by_url[key] = ArchiveWriter(engine)
    return writer
