"""The merge's SQL is static text with its columns written out: it must name every
column of `metric_snapshots` where it should, in the same order on both sides."""

from __future__ import annotations

import re

from shared.metrics import statements
from shared.metrics.models import MetricSnapshot

COLUMNS = {c.name for c in MetricSnapshot.__table__.c}
KEY = {"workspace_id", "target_id", "granularity", "period_start"}
#: What a later batch replaces: all but the key, the target's id and the write time.
REPLACEABLE = COLUMNS - KEY - {"content_item_id"}
#: What tells a replacement from a replay: the values, not where they came from.
COMPARED = REPLACEABLE - {"batch_id", "batch_seq", "updated_at"}


def names(listing: str) -> list[str]:
    """`l.a, m.b, c` -> [a, b, c]; the staged campaign is `campaign_ref` (the item's)."""
    bare = [part.strip().split(".")[-1] for part in listing.split(",")]
    return ["campaign_id" if name == "campaign_ref" else name for name in bare]


def compared(sql: str) -> list[tuple[list[str], list[str]]]:
    found = re.findall(r"\(([^()]*)\)\s+IS DISTINCT FROM\s+\(([^()]*)\)", sql)
    return [(names(left), names(right)) for left, right in found]


def test_the_merge_inserts_every_column_with_its_value() -> None:
    sql = statements.MERGE.text
    columns = names(re.findall(r"INSERT INTO metric_snapshots \(([^()]*)\)", sql)[0])
    values = names(re.findall(r"SELECT (:workspace.*?)\s+FROM \(", sql, re.DOTALL)[0])
    params = {":workspace": "workspace_id", ":batch": "batch_id", ":seq": "batch_seq"}
    assert sorted(columns) == sorted(COLUMNS)
    assert [params.get(v, "updated_at" if v == "now()" else v) for v in values] == columns


def test_the_merge_replaces_every_column_but_the_key() -> None:
    assert set(re.findall(r"(\w+) = EXCLUDED\.\1", statements.MERGE.text)) == REPLACEABLE


def test_the_merge_and_the_replaced_rows_compare_the_same_columns() -> None:
    ((merge_stored, merge_staged),) = compared(statements.MERGE.text)
    ((replaced_stored, replaced_staged),) = compared(str(statements.REPLACED))
    assert set(merge_stored) == COMPARED
    assert merge_stored == merge_staged == replaced_stored == replaced_staged
