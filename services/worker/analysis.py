"""Mention analysis off the event loop.

Scoring is CPU work (about 150 µs a post): a batch of 5,000 on the worker's event loop
would stall every other workspace's jobs for most of a second, and use one core of many.
A pool of processes, each with the model loaded once, scores the batch in parallel parts
while the loop goes on serving other jobs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache, partial

from shared.listening.sentiment import shipped
from shared.listening.service import Analysed, Row, RowAnalyser, analyse_here, analyse_rows
from shared.listening.text import TermMatcher

#: Below this, a part is not worth a trip to another process.
MIN_PART = 250


def _warm() -> None:
    shipped()


@cache
def pool(processes: int) -> ProcessPoolExecutor:
    """One pool per worker process, started on first use. Spawned, not forked: a fork
    of a process running an event loop and connection pools inherits their state."""
    return ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("spawn"), initializer=_warm
    )


async def analyse_in_pool(
    processes: int, rows: Sequence[Row], terms: TermMatcher
) -> list[Analysed]:
    parts = max(1, min(processes, len(rows) // MIN_PART))
    if parts == 1 and len(rows) < MIN_PART:
        return analyse_rows(rows, terms)
    size = -(-len(rows) // parts)
    loop = asyncio.get_running_loop()
    executor = pool(processes)
    try:
        done = await asyncio.gather(
            *(
                loop.run_in_executor(executor, analyse_rows, rows[i : i + size], terms)
                for i in range(0, len(rows), size)
            )
        )
    except BrokenProcessPool:
        # A scoring process died (killed, out of memory): the job fails and is retried,
        # and its next attempt starts a new pool instead of finding this one broken.
        pool.cache_clear()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    return [analysed for part in done for analysed in part]


def analyser(processes: int) -> RowAnalyser:
    """Scores in `processes` processes; 0 scores on the event loop."""
    return partial(analyse_in_pool, processes) if processes else analyse_here
