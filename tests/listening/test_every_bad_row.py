"""LIS-1 as ING-2: a batch's type errors and rule errors in one 422, by row."""

from __future__ import annotations

from typing import Any

from tests.conftest import Tenant
from tests.helpers.listening import ago, mention, mentions, post
from tests.helpers.problems import assert_problem


def listed(problem: Any) -> list[tuple[int, str, str]]:
    return [(e["loc"][2], e["loc"][3], e["type"]) for e in problem["errors"]]


async def test_type_and_rule_errors_come_in_one_answer_by_row(tenant: Tenant) -> None:
    rows = [
        mention("fine"),
        mention("from tomorrow", posted_at=ago(days=-1)),  # a rule error
        mention("too positive", sentiment=1.5),  # a type error
        mention("fine too"),
        mention("two type errors", platform="myspace", author_followers=-1),
        mention("from 1999", posted_at="1999-12-31T23:00:00Z"),  # a rule error after them
    ]
    problem = assert_problem(await post(tenant, rows), 422)
    assert listed(problem) == [
        (1, "posted_at", "posted_out_of_range"),
        (2, "sentiment", "less_than_equal"),
        (4, "author_followers", "json_int"),
        (4, "platform", "enum"),
        (5, "posted_at", "posted_out_of_range"),
    ]
    assert problem["detail"] == "5 errors in 4 rows"
    assert await mentions(tenant) == []


async def test_the_list_is_bounded_and_the_detail_counts_every_error(tenant: Tenant) -> None:
    rows = [
        mention("x", platform="myspace", sentiment=2, author_followers=-1)  # 3 type errors
        if i % 2 == 0
        else mention("x", posted_at=ago(days=-1))  # 1 rule error
        for i in range(700)
    ]
    problem = assert_problem(await post(tenant, rows), 422)
    assert problem["detail"] == "1,400 errors in 700 rows; the first 1,000 are listed"
    errors = listed(problem)
    assert len(errors) == 1_000
    assert errors == sorted(errors)
    assert errors[:4] == [
        (0, "author_followers", "json_int"),
        (0, "platform", "enum"),
        (0, "sentiment", "less_than_equal"),
        (1, "posted_at", "posted_out_of_range"),
    ]
    assert await mentions(tenant) == []
