"""CSV answers of the KPI endpoints, for spreadsheets and BI tools (docs/contract.md, Analytics)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from starlette.responses import Response

CSV = "text/csv"
#: Nested objects whose fields become columns of their own name (the others are prefixed).
UNPREFIXED = frozenset({"group", "counters", "kpis"})
#: Documents the CSV alternative of a 200 in OpenAPI.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {CSV: {"schema": {"type": "string"}}},
        "description": "JSON, or CSV with `Accept: text/csv` or `?format=csv`.",
    }
}


def wants_csv(request: Request, format_param: str | None) -> bool:
    return format_param == "csv" or CSV in request.headers.get("accept", "")


def _formula_safe(value: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading quote (CSV
    injection); numbers, negative ones included, are left alone."""
    if value[:1] not in ("=", "+", "-", "@", "\t", "\r"):
        return value
    try:
        Decimal(value)
    except InvalidOperation:
        return "'" + value
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _formula_safe(value)
    return str(value)


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, "" if key in UNPREFIXED else f"{prefix}{key}_"))
        elif isinstance(value, list):
            if all(not isinstance(item, Mapping | list) for item in value):
                flat[prefix + key] = ";".join(_cell(item) for item in value)
            else:
                flat[prefix + key] = _formula_safe(json.dumps(value, separators=(",", ":")))
        else:
            flat[prefix + key] = _cell(value)
    return flat


def columns(model: type[BaseModel], prefix: str = "") -> list[str]:
    """The CSV columns of a row model, for the header of an answer with no rows."""
    names = []
    for name, field in model.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            names += columns(nested, "" if name in UNPREFIXED else f"{prefix}{name}_")
        else:
            names.append(prefix + name)
    return names


def csv_response(
    rows: Iterable[BaseModel | Mapping[str, Any]], name: str, model: type[BaseModel]
) -> Response:
    """One line per row; the header is the union of the rows' columns in first-seen order,
    or the row model's columns when there are no rows."""
    flat_rows = [
        flatten(row.model_dump(mode="json", by_alias=True) if isinstance(row, BaseModel) else row)
        for row in rows
    ]
    header: dict[str, None] = {} if flat_rows else dict.fromkeys(columns(model))
    for flat in flat_rows:
        header.update(dict.fromkeys(flat))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(flat_rows)
    return Response(
        buffer.getvalue(),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def report_answer(
    csv: bool, report: BaseModel, rows: Sequence[Any], name: str, model: type[BaseModel]
) -> Response:
    """A report as CSV when asked, else its JSON as built: validated once, by construction
    (FastAPI would validate a thousand-row report a second time)."""
    if csv:
        return csv_response(rows, name, model)
    return Response(report.model_dump_json(by_alias=True), media_type="application/json")
