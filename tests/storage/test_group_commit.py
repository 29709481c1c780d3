"""The group commit's writing thread, drained when the server stops."""

import asyncio
import threading
from typing import List, Sequence

from storage.group_commit import GroupCommit, drain_all


class GatedWrites:
    """A ``write`` that holds each batch until ``gate`` is set, and records the batches."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.batches: List[List[int]] = []

    def __call__(self, jobs: Sequence[int]) -> List[int]:
        self.started.set()
        self.gate.wait(10)
        self.batches.append(list(jobs))
        return [job * 10 for job in jobs]


async def test_drain_waits_for_the_batch_being_written_and_the_jobs_queued_behind_it():
    writes = GatedWrites()
    group: GroupCommit[int, int] = GroupCommit(writes, name="test-drain")
    first = asyncio.ensure_future(group.submit(1))
    await asyncio.to_thread(writes.started.wait, 5)
    queued = [asyncio.ensure_future(group.submit(n)) for n in (2, 3)]
    await asyncio.sleep(0)  # the two are queued behind the batch being written
    assert group.drain(timeout=0.2) is False  # the first batch is still being written
    threading.Timer(0.2, writes.gate.set).start()
    assert await asyncio.to_thread(drain_all, 5) is True
    assert writes.batches == [[1], [2, 3]]
    assert await first == 10 and [await q for q in queued] == [20, 30]


def test_drain_of_an_idle_group_commit_returns_at_once():
    group: GroupCommit[int, int] = GroupCommit(lambda jobs: list(jobs), name="test-idle")
    assert group.drain(timeout=0) is True
