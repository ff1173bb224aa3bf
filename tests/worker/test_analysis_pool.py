"""Mention analysis in the worker's process pool scores exactly as on the event loop, and
leaves the loop free while it runs."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from concurrent.futures.process import BrokenProcessPool

import pytest

from services.worker.analysis import MIN_PART, analyse_in_pool, analyser, pool
from shared.listening.service import analyse_here, analyse_rows
from shared.listening.text import Term, TermMatcher

TEXTS = [
    "Éclat, colis perdu et aucun remboursement, plus jamais",
    "Merci @Eclat pour la livraison rapide 😍",
    "Is Eclat open on Sunday?",
    "worst service ever #eclat",
    "Le magasin Éclat ouvre à 9h",
    "love the new Eclat collection <3",
]


def _rows(n: int) -> list[tuple[uuid.UUID, str, str | None, float | None]]:
    return [
        (uuid.uuid4(), f"{TEXTS[i % len(TEXTS)]} {i}", None, -0.5 if i % 7 == 0 else None)
        for i in range(n)
    ]


async def test_the_pool_scores_as_the_loop_does_and_the_loop_stays_free() -> None:
    terms = TermMatcher([Term("eclat", ["Éclat"])])
    rows = _rows(4 * MIN_PART)
    await analyse_in_pool(2, rows[:MIN_PART], terms)  # the pool and its models start

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    pooled = await analyse_in_pool(2, rows, terms)
    elapsed = time.perf_counter() - started
    task.cancel()
    assert pooled == analyse_rows(rows, terms)
    # The loop ran its other tasks throughout: at least a tick per 20 ms of scoring.
    assert ticks >= elapsed / 0.02, (ticks, elapsed)


def test_zero_processes_scores_on_the_loop() -> None:
    assert analyser(0) is analyse_here


async def test_a_killed_scoring_process_fails_one_attempt_and_the_next_starts_a_new_pool() -> None:
    terms = TermMatcher([Term("eclat", ["Éclat"])])
    rows = _rows(2 * MIN_PART)
    await analyse_in_pool(2, rows, terms)
    for process in list(pool(2)._processes.values()):  # the pool's own children
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        await analyse_in_pool(2, rows, terms)
    assert await analyse_in_pool(2, rows, terms) == analyse_rows(rows, terms)
