"""Mention analysis in the worker's process pool scores exactly as on the event loop,
leaves the loop free while it runs, and recovers when a scoring process dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from services.worker.analysis import MIN_PART, AnalysisPool
from shared.config import ROOT
from shared.listening.analysis import Row, analyse_rows
from shared.listening.text import Term, TermMatcher
from tests.helpers.waiting import wait_until_blocking

TEXTS = [
    "Éclat, colis perdu et aucun remboursement, plus jamais",
    "Merci @Eclat pour la livraison rapide 😍",
    "Is Eclat open on Sunday?",
    "worst service ever #eclat",
    "Le magasin Éclat ouvre à 9h",
    "love the new Eclat collection <3",
]
TERMS = TermMatcher([Term("eclat", ["Éclat"])])


def _rows(n: int) -> list[Row]:
    return [
        (uuid.uuid4(), f"{TEXTS[i % len(TEXTS)]} {i}", None, -0.5 if i % 7 == 0 else None)
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def pool() -> Iterator[AnalysisPool]:
    started = AnalysisPool(2)
    yield started
    started.close()


async def test_the_pool_scores_as_the_loop_does_and_the_loop_stays_free(
    pool: AnalysisPool,
) -> None:
    rows = _rows(4 * MIN_PART)
    await pool.analyse(rows[:MIN_PART], TERMS)  # the processes and their models start

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    pooled = await pool.analyse(rows, TERMS)
    elapsed = time.perf_counter() - started
    task.cancel()
    assert pooled == analyse_rows(rows, TERMS)
    # The loop ran its other tasks throughout: at least a tick per 50 ms of scoring (on
    # the loop itself, scoring these rows leaves it none).
    assert ticks >= elapsed / 0.05, (ticks, elapsed)


async def test_a_killed_scoring_process_fails_one_attempt_and_the_next_finds_a_new_pool(
    pool: AnalysisPool,
) -> None:
    rows = _rows(2 * MIN_PART)
    await pool.analyse(rows, TERMS)
    for process in list(pool._executor._processes.values()):  # the pool's own children
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        await pool.analyse(rows, TERMS)
    assert await pool.analyse(rows, TERMS) == analyse_rows(rows, TERMS)


_WORKER = """
import asyncio, uuid
from services.worker.analysis import MIN_PART, AnalysisPool
from shared.config import ROOT
from shared.listening.text import TermMatcher

async def main() -> None:
    pool = AnalysisPool(2)
    await pool.analyse([(uuid.uuid4(), "hello", None, None)] * (2 * MIN_PART), TermMatcher([]))
    print(*(p.pid for p in pool._executor._processes.values()), flush=True)
    await asyncio.sleep(120)  # alive, its processes with it, until the test kills it

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_scoring_processes_leave_when_their_worker_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    with subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as worker:
        assert worker.stdout is not None
        children = [int(pid) for pid in worker.stdout.readline().split()]
        assert len(children) == 2
        worker.kill()
    wait_until_blocking(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in children),
        10,
        what="the scoring processes outlived their worker",
        every=0.1,
    )
