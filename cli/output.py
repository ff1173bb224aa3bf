"""What `smm` prints: aligned plain text for people, one JSON document for scripts
(`--json`), both on stdout; errors go to stderr (`cli.errors`)."""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of text")
]


def _plain(value: object) -> Any:
    if isinstance(value, datetime):  # as the API writes them: RFC 3339, UTC as `Z`
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def emit_json(document: object) -> None:
    typer.echo(json.dumps(document, default=_plain, ensure_ascii=False, indent=2))


def when(value: datetime | None) -> str:
    """A timestamp for people: UTC to the minute, `-` for none."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else "-"


def text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """Rows as columns aligned on their widest cell, under an upper-case header."""
    cells = [[text(row.get(column)) for column in columns] for row in rows]
    header = [column.upper().replace("_", " ") for column in columns]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [header, *cells]
    )


def fields(pairs: Sequence[tuple[str, object]]) -> str:
    """One `label  value` per line, labels aligned: a single record for people."""
    width = max(len(label) for label, _ in pairs)
    return "\n".join(f"{label.ljust(width)}  {text(value)}" for label, value in pairs)
