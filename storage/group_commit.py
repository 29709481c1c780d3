"""Writes that arrive together, committed in one transaction (a group commit).

Each writer awaits its own job. A thread of the group commit's own writes the jobs: it
takes every job queued, writes them in one transaction, hands each waiting writer its
outcome, and takes what was queued meanwhile — without waiting for the event loop in
between. One transaction means one ``BEGIN``, one pass over whatever the writes lock (the
archive's chain head), and one commit — one fsync — for all of them.

The thread is the point. When each batch was written by ``asyncio.to_thread`` and the next
one started from the loop, a busy loop (a hundred conversations answered at once) took
some 130 ms to see a batch done and start the next, against 26 ms of writing: the writes
waited on the loop, and every message waits on three of them (its turn, Rasa's save, the
bot's turn). The thread ends after :data:`IDLE_SECONDS` without work and starts again with
the next job. A server stopping drains it (:meth:`~GroupCommit.drain`) before it closes its
database connections, so that what was queued is written, not left to a thread that
outlives them.

``write(jobs)`` must return one outcome per job, in order: the job's result, or the
exception it must raise. A ``write`` that tries the batch together and, when that fails,
each job again alone (see :func:`each_alone`) keeps one bad job from costing the others
their write.
"""

import asyncio
import logging
import sys
import threading
import time
import weakref
from typing import Any, Callable, Generic, List, Optional, Sequence, Tuple, TypeVar, Union

from storage import db
from storage.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")
Outcome = Union[R, BaseException]

#: Seconds the writing thread waits for a job before it ends.
IDLE_SECONDS = 2.0

#: Seconds a stopping server waits for the jobs queued to be written.
DRAIN_SECONDS = 10.0


_ALL: "weakref.WeakSet[GroupCommit[Any, Any]]" = weakref.WeakSet()


class GroupCommit(Generic[J, R]):
    """Queues jobs and writes them in batches with ``write`` (see the module)."""

    def __init__(
        self,
        write: Callable[[Sequence[J]], List["Outcome[R]"]],
        stopped: Callable[[], Exception] = lambda: DatabaseUnavailable(
            "the server stopped during the write; send again"
        ),
        name: str = "group-commit",
    ) -> None:
        """``stopped`` makes the error of a job whose writing thread failed as a whole:
        the caller's own kind of storage error."""
        self.write = write
        self.stopped = stopped
        self.name = name
        self._lock = threading.Condition()
        self.pending: List[Tuple[J, "asyncio.Future[R]"]] = []
        self._writing = False
        self._thread: Optional[threading.Thread] = None
        _ALL.add(self)

    async def submit(self, job: J) -> R:
        """Write ``job`` with the others queued now; its result once committed.

        Raises what ``write`` gave for this job (nothing of it was stored)."""
        future: "asyncio.Future[R]" = asyncio.get_running_loop().create_future()
        with self._lock:
            self.pending.append((job, future))
            if self._thread is None:
                if sys.getswitchinterval() > db.WORKER_SWITCH_INTERVAL:
                    sys.setswitchinterval(db.WORKER_SWITCH_INTERVAL)
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            else:
                self._lock.notify_all()  # the writing thread, and a drain waiting
        return await future

    def drain(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Block until every job queued is written (a server stopping): whether it was,
        within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.pending or self._writing:
                left = deadline - time.monotonic()
                if left <= 0:
                    logger.error("%s: jobs not written within %.0f s of the stop", self.name, timeout)
                    return False
                self._lock.wait(left)
        return True

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self.pending:
                    self._lock.wait(IDLE_SECONDS)
                if not self.pending:
                    self._thread = None  # the next job starts another
                    return
                batch, self.pending = self.pending, []
                self._writing = True
            try:
                outcomes: Sequence["Outcome[R]"] = self.write([job for job, _ in batch])
                if len(outcomes) != len(batch):
                    raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} jobs")
            except BaseException as error:  # noqa: BLE001 - every writer waiting is told
                logger.exception("%s: a batch of %d failed as a whole", self.name, len(batch))
                outcomes = [error if isinstance(error, Exception) else self.stopped()] * len(batch)
            for (_, future), outcome in zip(batch, outcomes):
                _hand_over(future, outcome)
            with self._lock:
                self._writing = False
                self._lock.notify_all()


def drain_all(timeout: float = DRAIN_SECONDS) -> bool:
    """:meth:`GroupCommit.drain` every group commit of the process (a server stopping,
    before it disposes of its engines): whether all were written within ``timeout``."""
    deadline = time.monotonic() + timeout
    return all([group.drain(max(0.0, deadline - time.monotonic())) for group in list(_ALL)])


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


def _hand_over(future: "asyncio.Future[R]", outcome: "Outcome[R]") -> None:
    """Settle ``future`` on its own loop, from the writing thread."""
    try:
        future.get_loop().call_soon_threadsafe(_settle, future, outcome)
    except RuntimeError:  # the loop is closed: its server stopped, nobody waits
        pass


def _settle(future: "asyncio.Future[R]", outcome: "Outcome[R]") -> None:
    if future.done():  # the waiting writer was cancelled
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
