"""CSV answers, for spreadsheets and BI tools (docs/api.md, CSV): flat columns, in RFC 4180
or in the dialect a French Excel opens as it is (BOM, `;`, decimal comma); headers a person
reads, in the workspace's language, or the fields' stable keys for scripts."""

from __future__ import annotations

import csv
import enum
import functools
import io
import types
import typing
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from services.api.csv_labels import label
from shared.db.uow import UnitOfWork
from shared.i18n import Language
from shared.schemas import PageOut, ReadModel
from shared.workspaces.models import Locale, Workspace
from shared.workspaces.service import get_workspace

R = TypeVar("R", bound=ReadModel)

CSV = "text/csv"
#: Excel reads a file without it in the machine's legacy code page ("LumiÃ¨re").
BOM = "\ufeff"
#: Nested objects whose fields become columns of their own name (the others are prefixed).
UNPREFIXED = frozenset({"group", "counters", "kpis"})
#: Between the elements of a list of scalars in one cell (quoted where `,` separates).
LIST_JOINER = ", "


class CsvDialect(enum.StrEnum):
    """`rfc4180`: `,` and decimal points, no BOM, for BI tools and scripts. `excel`: a UTF-8
    BOM, `;` and decimal commas in numeric cells, as Excel reads a file in French."""

    rfc4180 = "rfc4180"
    excel = "excel"


class CsvHeader(enum.StrEnum):
    """`labels`: the columns named for people, in the workspace's language (a spreadsheet's
    reader). `keys`: the JSON fields' stable keys (`engagement_rate`, `coverage_clicks`),
    whatever the language, for scripts and BI tools that read columns by name."""

    labels = "labels"
    keys = "keys"


@dataclass(frozen=True)
class CsvFormat:
    """How to write a CSV answer: its dialect, and its header's language (None: the keys)."""

    dialect: CsvDialect
    language: Language | None

    def header(self, column: str) -> str:
        return column if self.language is None else label(column, self.language)


def default_dialect(locale: Locale) -> CsvDialect:
    """French Excel splits on `;` and reads `0,5`: what a French workspace gets unasked."""
    return CsvDialect.excel if locale.value.startswith("fr-") else CsvDialect.rfc4180


#: Documents the CSV alternative of a 200 in OpenAPI (and lets `Accept: text/csv` in).
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {CSV: {"schema": {"type": "string"}}},
        "description": "JSON, or CSV with `Accept: text/csv` or `?export=csv`, in the "
        "`csv_dialect` asked for, else the workspace locale's (`excel` for French); headers "
        "in the workspace's `language`, or the fields' keys with `csv_header=keys`.",
    }
}


def _prefers_csv(accept: str) -> bool:
    """`text/csv` is listed with a quality above 0, and no range that admits JSON (the
    default answer) has a higher one: `text/csv;q=0.5, */*` is JSON."""
    csv_q = json_q = 0.0
    for part in accept.split(","):
        media, *params = (p.strip().lower() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media == CSV:
            csv_q = max(csv_q, quality)
        elif media in ("application/json", "application/*", "*/*"):
            json_q = max(json_q, quality)
    return csv_q > 0 and csv_q >= json_q


def wants_csv(request: Request, export: str | None) -> bool:
    return export == "csv" or _prefers_csv(request.headers.get("accept", ""))


@dataclass(frozen=True)
class CsvAsk:
    """What the client asked for: CSV or not, a dialect if it named one, and the header."""

    wanted: bool
    dialect: CsvDialect | None
    header: CsvHeader = CsvHeader.labels

    def format_for(self, workspace: Workspace) -> CsvFormat | None:
        """How to answer, or None for JSON: the dialect asked for, else the workspace
        locale's; headers in the workspace's language unless keys were asked for."""
        if not self.wanted:
            return None
        return CsvFormat(
            self.dialect or default_dialect(workspace.locale),
            None if self.header is CsvHeader.keys else workspace.language,
        )

    async def resolve(self, uow: UnitOfWork, workspace_id: uuid.UUID) -> CsvFormat | None:
        """As `format_for`, reading the workspace only when it decides."""
        if not self.wanted:
            return None
        if self.dialect is not None and self.header is CsvHeader.keys:
            return CsvFormat(self.dialect, None)
        return self.format_for(await get_workspace(uow, workspace_id))


async def csv_ask(
    request: Request,
    export: Literal["csv"] | None = Query(
        default=None,
        description="`csv` for a CSV answer (as `Accept: text/csv`), flat columns; "
        "see `csv_dialect`.",
    ),
    csv_dialect: CsvDialect | None = Query(
        default=None,
        description="The CSV dialect: `rfc4180` (`,`, decimal point, no BOM) or `excel` "
        "(UTF-8 BOM, `;`, decimal comma in numeric cells). Default: the workspace's "
        "`locale` (`excel` for `fr-*`, else `rfc4180`). Ignored for JSON.",
    ),
    csv_header: CsvHeader = Query(
        default=CsvHeader.labels,
        description="The CSV header: `labels` (for people, in the workspace's `language`) "
        "or `keys` (the JSON fields' stable keys, for scripts and BI tools). Ignored for "
        "JSON.",
    ),
) -> CsvAsk:
    return CsvAsk(wants_csv(request, export), csv_dialect, csv_header)


CsvAsked = Annotated[CsvAsk, Depends(csv_ask)]


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


def _number(js: Any, dialect: CsvDialect) -> str:
    """A number as its JSON text (money keeps its places), never in exponent notation; in
    the Excel dialect with a decimal comma (only numbers get one)."""
    text = js if isinstance(js, str) else repr(js)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text.replace(".", ",") if dialect is CsvDialect.excel else text


def _cell(js: Any, decimal: bool, dialect: CsvDialect, where: str) -> str:
    """One cell from a JSON value: a JSON number is a number, and so is a string of a field
    typed `Decimal` (money, decimals); any other string is text."""
    kind = type(js)
    if kind is str:
        return _number(js, dialect) if decimal else _formula_safe(js)
    if js is None:
        return ""
    if kind is int:
        return str(js)
    if kind is float:
        return _number(js, dialect)
    if kind is bool:
        return "true" if js else "false"
    if kind is list and not any(isinstance(item, dict | list) for item in js):
        return _formula_safe(LIST_JOINER.join(str(item) for item in js))
    raise TypeError(
        f"{where}: no flat CSV form for {js!r:.60}: a list of objects needs rows of its own, "
        "an object a model-typed field"
    )


def _unwrapped(annotation: Any) -> list[Any]:
    """The types an annotation admits (`Annotated` and unions opened)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrapped(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [t for arg in typing.get_args(annotation) for t in _unwrapped(arg)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds (`Range | None`; of a union of models, the first)."""
    for kind in _unwrapped(annotation):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return kind
    return None


def _is_dict(annotation: Any) -> bool:
    return any(t is dict or typing.get_origin(t) is dict for t in _unwrapped(annotation))


def _child_prefix(prefix: str, key: str) -> str:
    return "" if key in UNPREFIXED else f"{prefix}{key}_"


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    key: str
    nested: type[BaseModel] | None
    is_dict: bool
    decimal: bool


def _is_decimal(annotation: Any) -> bool:
    kinds = _unwrapped(annotation)
    return any(t is Decimal for t in kinds) and str not in kinds


def _holds_objects(annotation: Any) -> bool:
    """A list (or dict) of models: no flat cell can hold it, even empty."""
    return any(
        typing.get_origin(kind) in (list, tuple, set, frozenset, dict)
        and any(_model_in(arg) is not None for arg in typing.get_args(kind))
        for kind in _unwrapped(annotation)
    )


@functools.cache
def _plan(model: type[BaseModel]) -> tuple[_Field, ...]:
    """A model's serialised fields, in order, with what each holds: read once per model,
    not once per row. A list of objects is refused by its type: a report gives it rows."""
    fields = [
        (name, info.serialization_alias or info.alias or name, info.annotation)
        for name, info in model.model_fields.items()
        if not info.exclude
    ]
    fields += [
        (name, computed.alias or name, computed.return_type)
        for name, computed in model.model_computed_fields.items()
    ]
    for name, _, kind in fields:
        if _holds_objects(kind):
            raise TypeError(
                f"{model.__name__}.{name}: a list of objects has no flat CSV form; give "
                "each element a row of its own"
            )
    return tuple(
        _Field(name, key, _model_in(kind), _is_dict(kind), _is_decimal(kind))
        for name, key, kind in fields
    )


@functools.cache
def columns(model: type[BaseModel], prefix: str = "") -> tuple[str, ...]:
    """The CSV columns of a row model: the header of an answer with no rows, and the empty
    cells of a nested object that is null. A dict's columns are its keys: none here."""
    names: list[str] = []
    for field in _plan(model):
        if field.nested is not None:
            names += columns(field.nested, _child_prefix(prefix, field.key))
        elif not field.is_dict:
            names.append(prefix + field.key)
    return tuple(names)


def _flatten(
    row: BaseModel, js: Mapping[str, Any], prefix: str, dialect: CsvDialect, out: dict[str, str]
) -> None:
    """Walks the JSON form, with the model beside it for what JSON does not say: which
    strings are numbers, and the columns of a nested object that is null."""
    for field in _plan(type(row)):
        key, value = field.key, js[field.key]
        if field.nested is None and not field.is_dict:
            out[prefix + key] = _cell(value, field.decimal, dialect, prefix + key)
        elif value is None:
            if field.nested is not None:
                out.update(dict.fromkeys(columns(field.nested, _child_prefix(prefix, key)), ""))
        elif field.nested is not None:  # the instance's own model: a union may hold either
            nested = getattr(row, field.name)
            _flatten(nested, value, _child_prefix(prefix, key), dialect, out)
        else:
            inner = _child_prefix(prefix, key)
            for k, v in value.items():
                out[inner + k] = _cell(v, False, dialect, f"{prefix}{key}.{k}")


def flatten(row: BaseModel, dialect: CsvDialect, omit: Iterable[str] = ()) -> dict[str, str]:
    """A row as flat cells: a nested object's fields are `parent_child` columns (unprefixed
    for `group`, `counters`, `kpis`), a list of scalars one cell of joined text. A list of
    objects is refused: its report gives it rows of its own (one row per element)."""
    flat: dict[str, str] = {}
    _flatten(row, row.model_dump(mode="json", by_alias=True), "", dialect, flat)
    for key in omit:
        flat.pop(key, None)
    return flat


def csv_text(
    rows: Iterable[BaseModel],
    model: type[BaseModel],
    form: CsvFormat | CsvDialect,
    omit: Sequence[str] = (),
) -> str:
    """One line per row; the header is the union of the rows' columns in first-seen order,
    or the row model's columns when there are no rows, each as `form` names it (a dialect
    alone: the keys)."""
    if isinstance(form, CsvDialect):
        form = CsvFormat(form, None)
    dialect = form.dialect
    flat_rows = [flatten(row, dialect, omit) for row in rows]
    header: dict[str, None] = {}
    if not flat_rows:
        header = dict.fromkeys(c for c in columns(model) if c not in omit)
    for flat in flat_rows:
        header.update(dict.fromkeys(flat))
    buffer = io.StringIO()
    if dialect is CsvDialect.excel:
        buffer.write(BOM)
    writer = csv.writer(
        buffer, delimiter=";" if dialect is CsvDialect.excel else ",", lineterminator="\r\n"
    )
    writer.writerow([form.header(column) for column in header])
    names = list(header)
    for flat in flat_rows:
        writer.writerow([flat.get(column, "") for column in names])
    return buffer.getvalue()


def csv_response(
    rows: Iterable[BaseModel],
    name: str,
    model: type[BaseModel],
    form: CsvFormat,
    omit: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    language = {} if form.language is None else {"Content-Language": form.language.value}
    return Response(
        csv_text(rows, model, form, omit),
        media_type=f"{CSV}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            **language,
            **(headers or {}),
        },
    )


def report_answer(
    form: CsvFormat | None,
    report: BaseModel,
    rows: Sequence[BaseModel],
    name: str,
    model: type[BaseModel],
    omit: Sequence[str] = (),
) -> Response:
    """A report as CSV when asked (a format), else its JSON as built: validated once, by
    construction (FastAPI would validate a thousand-row report a second time)."""
    if form is not None:
        return csv_response(rows, name, model, form, omit)
    return Response(report.model_dump_json(by_alias=True), media_type="application/json")


def page_answer(
    request: Request, form: CsvFormat, page: PageOut[R], name: str, model: type[R]
) -> Response:
    """A list's page as CSV: its items, one per line; the next page's URL in a `Link`
    header (RFC 8288), the CSV having no room for `next_cursor`."""
    link = {}
    if page.next_cursor is not None:
        url = request.url.include_query_params(cursor=page.next_cursor)
        link["Link"] = f'<{url.path}?{url.query}>; rel="next"'  # relative: proxies agree
    return csv_response(page.items, name, model, form, headers=link)
