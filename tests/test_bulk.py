"""Bulk bodies (ING-2), pure: the rows that pass the schema keep their index in the body,
the others become errors, and a refusal lists every error by row, bounded."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shared.bulk import (
    MAX_LISTED,
    Bulk,
    amount_misfits,
    may_misfit,
    refusal,
    rows_or_errors,
    stored_amount,
)
from shared.errors import FieldError, ValidationFailed
from shared.metrics.schemas import SnapshotBatch, SnapshotIn

ITEM = str(uuid.UUID(int=1))


def snapshot(**fields: Any) -> dict[str, Any]:
    return {
        "content_item_id": ITEM,
        "period_start": "2026-11-02T00:00:00Z",
        "granularity": "day",
    } | (fields)


def body(*rows: Any, **extra: Any) -> bytes:
    return json.dumps({"snapshots": list(rows), **extra}).encode()


def located(errors: Any) -> list[tuple[object, ...]]:
    return [(*e.loc[2:], e.type) for e in errors]


def test_a_valid_batch_gives_every_row_at_its_index() -> None:
    bulk = rows_or_errors(body(snapshot(reach=1), snapshot(reach=2)), SnapshotBatch, SnapshotIn)
    assert [row.reach for row in bulk.rows] == [1, 2]
    assert list(bulk.indexes) == [0, 1]
    assert (bulk.collection, bulk.errors) == ("snapshots", ())


def test_rows_that_fail_the_schema_are_errors_and_the_others_keep_their_index() -> None:
    bulk = rows_or_errors(
        body(
            snapshot(reach=1),
            snapshot(impressions=-1, likes="3"),
            "not a row",
            snapshot(reach=4, period_start="2026-11-02T05:00:00+01:00"),
        ),
        SnapshotBatch,
        SnapshotIn,
    )
    assert list(bulk.indexed()) == [(0, bulk.rows[0]), (3, bulk.rows[1])]
    assert [row.reach for row in bulk.rows] == [1, 4]
    # Read from JSON strictly, as in the whole batch: the UUID and the time are strings.
    assert bulk.rows[1].content_item_id == uuid.UUID(ITEM)
    assert located(bulk.errors) == [
        (1, "impressions", "json_int"),
        (1, "likes", "json_int"),
        (2, "model_type"),
    ]
    assert all(e.loc[:2] == ("body", "snapshots") for e in bulk.errors)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (body(snapshot(impressions=-1), extra=1), [(("extra",), "extra_forbidden")]),
        (body(), [(("snapshots",), "too_short")]),
        (b'[{"snapshots": []}]', [((), "model_type")]),
        (b'{"snapshots": [', [((), "json_invalid")]),
    ],
)
def test_a_body_that_is_no_batch_raises_its_own_errors_only(
    raw: bytes, expected: list[tuple[tuple[str, ...], str]]
) -> None:
    with pytest.raises(ValidationError) as refused:
        rows_or_errors(raw, SnapshotBatch, SnapshotIn)
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == expected


def test_checked_rows_are_the_whole_batch_or_nothing() -> None:
    rows = rows_or_errors(body(snapshot()), SnapshotBatch, SnapshotIn)
    assert rows.checked([]) is rows.rows
    failed = rows_or_errors(body(snapshot(), snapshot(reach="1")), SnapshotBatch, SnapshotIn)
    with pytest.raises(ValidationFailed) as refused:
        failed.checked([])  # no rule broken: the schema's error alone refuses the batch
    assert located(refused.value.errors) == [(1, "reach", "json_int")]


def error(index: int, field: str, kind: str = "type") -> FieldError:
    return FieldError(("body", "snapshots", index, field), "msg", kind)


def test_a_refusal_lists_errors_by_row_then_field() -> None:
    found = [error(10, "period_start", "rule"), error(2, "spend"), error(10, "campaign_id")]
    refused = refusal(found)
    assert [e.loc[2:] for e in refused.errors] == [
        (2, "spend"),
        (10, "campaign_id"),
        (10, "period_start"),
    ]
    assert refused.detail == "3 errors in 2 rows"
    assert refusal([error(0, "spend")]).detail == "1 error in 1 row"


def test_a_refusal_lists_the_first_errors_and_counts_them_all() -> None:
    found = [error(i // 2, field) for i, field in enumerate(["reach", "likes"] * 1_200)]
    refused = refusal(list(reversed(found)))
    assert len(refused.errors) == MAX_LISTED == 1_000
    assert refused.detail == "2,400 errors in 1,200 rows; the first 1,000 are listed"
    assert [e.loc[2] for e in refused.errors] == sorted(i // 2 for i in range(1_000))
    assert refused.extra["errors"][0]["loc"] == ["body", "snapshots", 0, "likes"]


@pytest.mark.parametrize(
    ("texts", "currency", "expected"),
    [
        (["12.50", None, "3"], "EUR", False),
        (["12.50", "120.0000"], "EUR", True),  # may: misfits decides (it fits)
        (["1500"], "JPY", False),
        (["1500.0"], "JPY", True),
        (["12.345"], "TND", False),
        ([None], "EUR", False),
    ],
)
def test_only_amounts_written_finer_than_the_currency_may_misfit(
    texts: list[str | None], currency: str, expected: bool
) -> None:
    assert may_misfit(texts, {currency}) is expected


def test_amounts_may_misfit_the_currency_with_the_fewest_places() -> None:
    assert may_misfit(["12.5"], {"EUR", "JPY"})
    assert not may_misfit(["12"], {"EUR", "JPY"})


def test_a_code_without_iso_minor_units_takes_amounts_as_sent() -> None:
    """Targets stored before currency codes were checked ("WJA"): nothing to check."""
    assert not may_misfit(["1.001"], {"WJA"})
    assert amount_misfits([(("body", "events", 0, "value"), "1.001")], "WJA") == []
    assert str(stored_amount("1.0010", "WJA")) == "1.0010"


def test_amounts_misfit_by_value_not_by_how_they_are_written() -> None:
    def loc(i: int) -> tuple[str, str, int, str]:
        return ("body", "events", i, "value")

    sent = [(loc(0), "120.0000"), (loc(1), "12.345"), (loc(2), None), (loc(3), "0.001")]
    assert [(e.loc[2], e.type) for e in amount_misfits(sent, "EUR")] == [
        (1, "currency_precision"),
        (3, "currency_precision"),
    ]
    assert amount_misfits(sent, "TND") == []
    [yen] = amount_misfits([(loc(0), "1500.5")], "JPY")
    assert "JPY has no minor unit" in yen.msg


@pytest.mark.parametrize(
    ("text", "currency", "stored"),
    [
        ("120.0000", "EUR", "120.00"),
        ("7", "EUR", "7.00"),
        ("84.20", "EUR", "84.20"),
        ("1500.000", "JPY", "1500"),
        ("12.345", "TND", "12.345"),
        (None, "EUR", None),
    ],
)
def test_an_amount_is_stored_with_its_currencys_places(
    text: str | None, currency: str, stored: str | None
) -> None:
    amount = stored_amount(text, currency)
    assert (None if amount is None else str(amount)) == stored
    if amount is not None:
        assert amount == Decimal(text or "")


def test_rows_already_validated_make_a_whole_bulk() -> None:
    rows = [SnapshotIn.model_validate_json(json.dumps(snapshot()))]
    bulk = Bulk.whole("snapshots", rows)
    assert list(bulk.indexed()) == [(0, rows[0])]
    assert bulk.loc(0, "spend") == ("body", "snapshots", 0, "spend")
