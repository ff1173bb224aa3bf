"""Waiting on a condition, never for a fixed time: a test goes on as soon as what it
waits for has happened, and a slow machine makes it slower, not wrong."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable


def _failure(what: object, within: float) -> str:
    said = what() if callable(what) else what
    return f"not true after {within} s" + (f": {said}" if said else "")


async def wait_until(
    check: Callable[[], object],
    within: float = 10.0,
    *,
    what: object = None,
    every: float = 0.05,
) -> None:
    """Polls `check` (sync or async) every `every` s until it is truthy; past `within` s
    it fails, saying `what` (called first if callable: a log's tail read at that time)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(_failure(what, within))
        await asyncio.sleep(every)


def wait_until_blocking(
    check: Callable[[], object],
    within: float = 10.0,
    *,
    what: object = None,
    every: float = 0.05,
) -> None:
    """`wait_until` for code without an event loop (fixtures starting threads, processes)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(_failure(what, within))
        time.sleep(every)
