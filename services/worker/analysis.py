"""Mention analysis off the event loop.

Scoring is CPU work (about 150-250 µs a post): a batch of 5,000 on the worker's event
loop would stall every other workspace's jobs for a second, and use one core of many. A
pool of processes, each with the model loaded once, scores the batch in parallel parts
while the loop goes on serving other jobs. The worker starts it and stops it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from shared.listening.analysis import Analysed, Row, analyse_rows
from shared.listening.sentiment import shipped
from shared.listening.text import TermMatcher

#: Below this many posts and characters (about 50 ms of scoring), a part is not worth a
#: trip to another process. Both count: scoring costs about 2 µs a character, and a post
#: may hold 10,000 of them, so 200 of the longest would hold the loop for 4 s. The phrases
#: of a matcher not built yet count as characters too: the most a workspace may hold take
#: about 120 ms to build, and a workspace that edits its terms between small batches
#: would have the loop build them for each.
MIN_PART = 250
MIN_PART_CHARS = 25_000


def _start_process(parent: int) -> None:
    """In each scoring process: load the model, and leave when the worker is gone. A worker
    killed outright (SIGKILL, out of memory) tells its pool nothing, and the processes
    would stay behind, 250 MB each, waiting for work that never comes."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    shipped()


class AnalysisPool:
    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # Spawned, not forked: a fork of a process running an event loop and connection
        # pools inherits their state. Processes start on the first batch.
        return ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_process,
            initargs=(os.getpid(),),
        )

    async def analyse(self, rows: Sequence[Row], terms: TermMatcher) -> list[Analysed]:
        """`analyse_rows`, in up to `processes` parts scored at once."""
        chars = terms.unbuilt_chars + sum(len(text) for _, text, _, _ in rows)
        if len(rows) < MIN_PART and chars < MIN_PART_CHARS:
            return analyse_rows(rows, terms)
        worth = max(len(rows) // MIN_PART, chars // MIN_PART_CHARS)
        parts = max(1, min(self.processes, worth, len(rows)))
        size = -(-len(rows) // parts)
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            done = await asyncio.gather(
                *(
                    loop.run_in_executor(executor, analyse_rows, rows[i : i + size], terms)
                    for i in range(0, len(rows), size)
                )
            )
        except BrokenProcessPool:
            # A scoring process died (killed, out of memory): the job fails and is
            # retried, and its next attempt finds a new pool, not this broken one.
            if self._executor is executor:
                self._executor = self._start()
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        return [analysed for part in done for analysed in part]

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
