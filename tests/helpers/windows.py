"""The rate limits count in fixed windows of the clock's minute (API-8): a test that
counts requests against a limit must not straddle a minute's end, where they would be
counted in two windows."""

from __future__ import annotations

import asyncio
import time

from services.api.rate_limit import WINDOW_SECONDS


async def clear_of_the_minute_end(needed: float = 10.0) -> None:
    """Return with at least `needed` seconds left in the current minute."""
    into = time.time() % WINDOW_SECONDS
    if into > WINDOW_SECONDS - needed:
        await asyncio.sleep(WINDOW_SECONDS - into + 0.1)
