"""Writes that arrive together, committed in one transaction (a group commit).

Each writer awaits its own job; while one batch is written in a worker thread
(``db.run_in_worker``, on SQLite as on PostgreSQL), the jobs queued meanwhile make up
the next batch. One transaction means one ``BEGIN``, one pass over whatever the writes
lock (the archive's chain head), and one commit — one fsync — for all of them.

``write(jobs)`` must return one outcome per job, in order: the job's result, or the
exception it must raise. A ``write`` that tries the batch together and, when that fails,
each job again alone (see :func:`each_alone`) keeps one bad job from costing the others
their write.
"""

import asyncio
from typing import Callable, Generic, List, Optional, Sequence, Tuple, TypeVar, Union

from storage import db
from storage.errors import DatabaseUnavailable

J = TypeVar("J")
R = TypeVar("R")
Outcome = Union[R, BaseException]


class GroupCommit(Generic[J, R]):
    """Queues jobs and writes them in batches with ``write`` (see the module)."""

    def __init__(
        self,
        write: Callable[[Sequence[J]], List["Outcome[R]"]],
        stopped: Callable[[], Exception] = lambda: DatabaseUnavailable(
            "the server stopped during the write; send again"
        ),
    ) -> None:
        """``stopped`` makes the error of the jobs left waiting when the server stops
        (the flush is cancelled): the caller's own kind of storage error."""
        self.write = write
        self.stopped = stopped
        self.pending: List[Tuple[J, "asyncio.Future[R]"]] = []
        # The flush under way, if any (kept: the loop holds tasks weakly).
        self.task: Optional["asyncio.Task[None]"] = None

    async def submit(self, job: J) -> R:
        """Write ``job`` with the others queued now; its result once committed.

        Raises what ``write`` gave for this job (nothing of it was stored)."""
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[R]" = loop.create_future()
        self.pending.append((job, future))
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        batch: List[Tuple[J, "asyncio.Future[R]"]] = []
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                outcomes = await db.run_in_worker(self.write, [job for job, _ in batch])
                for (_, future), outcome in zip(batch, outcomes):
                    _settle(future, outcome)
                batch = []
        except BaseException as error:  # the worker failed as a whole, or the server stops
            for _, future in batch + self.pending:
                _settle(future, error if isinstance(error, Exception) else self.stopped())
            self.pending = []
            if not isinstance(error, Exception):
                raise


def each_alone(jobs: Sequence[J], together: Callable[[Sequence[J]], List[R]]) -> List["Outcome[R]"]:
    """``together(jobs)`` in one transaction; when it fails, each job in its own, so
    that only the bad job fails (a batch of one fails with its own error)."""
    try:
        return list(together(jobs))
    except Exception as error:  # noqa: BLE001 - handed to the waiting writer
        if len(jobs) == 1:
            return [error]
    outcomes: List["Outcome[R]"] = []
    for job in jobs:
        try:
            outcomes.extend(together([job]))
        except Exception as alone:  # noqa: BLE001
            outcomes.append(alone)
    return outcomes


def _settle(future: "asyncio.Future[R]", outcome: "Outcome[R]") -> None:
    if future.done():  # the waiting writer was cancelled
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
