"""Which batches the worker scores on its event loop, and which in its scoring processes
(issue 15 F1): a batch goes to the processes when it is worth more than about 50 ms of
scoring, counted in posts and in characters, the phrases of a matcher not built yet
included. Where it ran shows on the matcher: only a reading on the loop builds it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from services.worker.analysis import AnalysisPool
from shared.listening.analysis import Row, analyse_rows
from shared.listening.schemas import MAX_TERMS_PER_WORKSPACE
from shared.listening.text import Term, TermMatcher
from tests.helpers.terms import TWEETS, probe_terms


def rows(text: str, count: int) -> list[Row]:
    return [(uuid.uuid4(), text, None, None) for _ in range(count)]


def small() -> list[Term]:
    return [Term("t7", ["brand7"])]


def at_the_caps() -> list[Term]:
    return probe_terms(MAX_TERMS_PER_WORKSPACE)


@pytest.fixture(scope="module")
def pool() -> Iterator[AnalysisPool]:
    started = AnalysisPool(2)
    yield started
    started.close()


@pytest.mark.parametrize(
    ("batch", "terms", "on_the_loop"),
    [
        pytest.param(rows(TWEETS[0], 10), small, True, id="ten-tweets"),
        pytest.param(rows("brand7 " + "a " * 4995, 3), small, False, id="three-long-posts"),
        pytest.param(rows(TWEETS[0], 1), at_the_caps, False, id="a-tweet-200-terms-unbuilt"),
    ],
)
async def test_a_batch_worth_more_than_50_ms_is_scored_off_the_loop(
    pool: AnalysisPool,
    batch: list[Row],
    terms: Callable[[], list[Term]],
    on_the_loop: bool,
) -> None:
    matcher = TermMatcher(terms())

    done = await pool.analyse(batch, matcher)

    assert (matcher.unbuilt_chars == 0) is on_the_loop
    assert done == analyse_rows(batch, TermMatcher(terms()))
    assert done[0].term_ids == ["t7"]
