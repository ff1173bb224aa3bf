"""Platform responses, exactly as returned, read into buckets of canonical counters
through the registry (`registry.py`). Pure: no I/O, no clock.

One reader per response shape. Each finds the metrics of its payload, picks the value
every canonical counter takes (a retired metric and its replacement land on the same
counter; on one version, the one the version still reports wins), and says why each
counter the report could fill is missing (`Report.absence`). A payload that is not the
shape it claims raises `PayloadError` with the place inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from shared.metrics.models import Reason
from shared.platforms.registry import Metric, Report

Loc = tuple[str | int, ...]
Value = int | Decimal


class PayloadError(ValueError):
    """The payload is not the shape its platform returns: where, and what is wrong."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


@dataclass(frozen=True)
class Context:
    """What the request says about the payload, and what a pull learnt about it."""

    report: Report
    version: str
    #: The zone the platform's days are in (the ad account's, as the platform reports it).
    timezone: str
    #: The day a lifetime total is as of (in `timezone`).
    as_of: date
    #: Meta `actions` attribution window (`7d_click`...); None reads `value`.
    window: str | None = None
    #: Metrics the platform refused on a pull, and why (`permission`, `deprecated`).
    refused: Mapping[str, Reason] = field(default_factory=dict)


@dataclass
class Bucket:
    """One bucket's counters, what is missing from it and why, as the payload says."""

    period_start: datetime
    lifetime: bool
    values: dict[str, Value] = field(default_factory=dict)
    unreported: dict[str, Reason] = field(default_factory=dict)


@dataclass(frozen=True)
class Adapted:
    buckets: list[Bucket]
    #: The currency the payload's money is in, when it says (Meta `account_currency`).
    currency: str | None
    #: Metric names in the payload that the registry does not map to a counter.
    ignored: tuple[str, ...]
    #: The registry's mapped metrics the payload held (`array:label` for action types).
    read: frozenset[str] = frozenset()


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(timezone))


def _get(obj: Any, key: str | int, loc: Loc) -> Any:
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError):
        raise PayloadError((*loc, key), "missing") from None


def _mapping(obj: Any, loc: Loc) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise PayloadError(loc, "expected an object")
    return obj


def _list(obj: Any, loc: Loc) -> Sequence[Any]:
    if not isinstance(obj, list):
        raise PayloadError(loc, "expected an array")
    return obj


def _items(container: Any, key: str, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    where = (*loc, key)
    for index, item in enumerate(_list(_get(container, key, loc), where)):
        yield (*where, index), item


#: What TikTok writes for a figure it has not computed: not reported, not zero.
ENGAGEMENT_PARTS = frozenset({"likes", "comments", "shares", "saves"})
BLANKS = frozenset({"", "-"})
#: ING-1's largest count; nothing a platform reports comes near it.
MAX_COUNT = 2**62
#: LinkedIn writes float noise around zero ("-2E-18") in costs: below this, it is zero.
NOISE = Decimal("1e-9")


def number(raw: Any, loc: Loc, *, money: bool = False) -> Value | None:
    """A platform number: a JSON integer, or a decimal string (Meta ads, TikTok, LinkedIn
    costs); None for a blank. A count must be a whole non-negative number; money a
    non-negative decimal."""
    if isinstance(raw, str) and raw.strip() in BLANKS:
        return None
    if isinstance(raw, bool):
        raise PayloadError(loc, "expected a number, got a boolean")
    if isinstance(raw, int):
        value: Decimal = Decimal(raw)
    elif isinstance(raw, str | float):
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise PayloadError(loc, f"{raw!r} is not a number") from None
        if not value.is_finite():
            raise PayloadError(loc, f"{raw!r} is not a number")
    else:
        raise PayloadError(loc, "expected a number")
    if value.is_finite() and (value.adjusted() > 18 or value > MAX_COUNT):
        raise PayloadError(loc, "beyond any figure a platform reports")
    if money and -NOISE < value < 0:
        value = Decimal(0)
    if value < 0:
        raise PayloadError(loc, "a negative figure")
    if money:
        places = value.as_tuple().exponent
        return value.quantize(NOISE) if isinstance(places, int) and places < -9 else value
    if value != value.to_integral_value():
        raise PayloadError(loc, f"{raw!r} is not a whole count")
    return int(value)


def _meta_value(raw: Any, loc: Loc) -> Value | None:
    """An insights value: a number, or an object by type (reactions) whose sum counts."""
    if isinstance(raw, Mapping):
        return sum(int(number(v, (*loc, str(k))) or 0) for k, v in raw.items())
    return number(raw, loc)


def _resolve(
    report: Report, context: Context, found: Mapping[str, Value], day: date | None
) -> tuple[dict[str, Value], dict[str, Reason]]:
    """Counters from the metrics found (by registry name), and why the others are missing."""
    values: dict[str, Value] = {}
    chosen: dict[str, Metric] = {}
    for metric in report.mapped():
        if metric.name not in found:
            continue
        assert metric.counter is not None
        held = chosen.get(metric.counter)
        if held is None or _prefer(metric, held, context.version, day):
            chosen[metric.counter] = metric
            values[metric.counter] = found[metric.name]
    unreported: dict[str, Reason] = {}
    derived = values.keys() >= ENGAGEMENT_PARTS  # ING-1 adds them up: engagements is known
    for counter in sorted(
        report.counters - values.keys() - ({"engagements"} if derived else set())
    ):
        refused = [
            context.refused[m.name]
            for m in report.mapped()
            if m.counter == counter and m.name in context.refused
        ]
        reason = refused[0] if refused else report.absence(counter, context.version, day)
        if reason is not None:
            unreported[counter] = reason
    return values, unreported


def _prefer(metric: Metric, held: Metric, version: str, day: date | None) -> bool:
    """Whether `metric` rather than `held` gives a counter both land on: the replacement
    over what it replaced, else the one this version and day still report."""
    if held.replaced_by == metric.name:
        return True
    if metric.replaced_by == held.name:
        return False
    return metric.reported_by(version, day) or not held.reported_by(version, day)


def _ignored(report: Report, names: Sequence[str]) -> tuple[str, ...]:
    mapped = {m.name for m in report.mapped()}
    return tuple(sorted({n for n in names if n not in mapped}))


# ------------------------------------------------------------------------ Meta insights


def _end_time(raw: Any, loc: Loc) -> datetime:
    """Meta's `2024-01-15T08:00:00+0000`: the end of the day it reports."""
    if not isinstance(raw, str):
        raise PayloadError(loc, "expected a timestamp")
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise PayloadError(loc, f"{raw!r} is not a Meta timestamp") from None
    return moment.astimezone(UTC)


def meta_insights(payload: Mapping[str, Any], context: Context) -> Adapted:
    """Graph API insights: `data[]` of `{name, period, values[{value, end_time?}]}` or
    `{name, period, total_value: {value}}`. A lifetime report keeps each metric's latest
    value, as of `context.as_of`; a daily one puts each value in the day ending at its
    `end_time` (midnight where the platform counts days, Pacific time for Meta)."""
    report = context.report
    per_bucket: dict[datetime, dict[str, Value]] = {}
    names: list[str] = []
    mapped = {m.name for m in report.mapped()}
    as_of = local_midnight(context.as_of, context.timezone)
    for loc, entry in _items(payload, "data", ()):
        entry = _mapping(entry, loc)
        name = _get(entry, "name", loc)
        if not isinstance(name, str):
            raise PayloadError((*loc, "name"), "expected a metric name")
        names.append(name)
        period = entry.get("period")
        wanted = "lifetime" if report.period == "lifetime" else "day"
        if name not in mapped or (period is not None and period != wanted):
            continue  # a metric we do not map, or a week / 28-day figure of a daily one
        if "total_value" in entry:
            total = _mapping(entry["total_value"], (*loc, "total_value"))
            value = _meta_value(
                _get(total, "value", (*loc, "total_value")), (*loc, "total_value", "value")
            )
            _put(per_bucket.setdefault(as_of, {}), name, value)
            continue
        points = list(_items(entry, "values", loc))
        if report.period == "lifetime":
            if points:
                point_loc, point = points[-1]
                point = _mapping(point, point_loc)
                raw = _get(point, "value", point_loc)
                _put(
                    per_bucket.setdefault(as_of, {}), name, _meta_value(raw, (*point_loc, "value"))
                )
            continue
        for point_loc, point in points:
            point = _mapping(point, point_loc)
            end = _end_time(_get(point, "end_time", point_loc), (*point_loc, "end_time"))
            # The day ending at `end` (a local midnight): its date 12 hours before.
            day = (end.astimezone(ZoneInfo(context.timezone)) - timedelta(hours=12)).date()
            start = local_midnight(day, context.timezone)
            value = _meta_value(_get(point, "value", point_loc), (*point_loc, "value"))
            _put(per_bucket.setdefault(start, {}), name, value)
    lifetime = report.period == "lifetime"
    if not per_bucket and lifetime:
        per_bucket[as_of] = {}
    return Adapted(
        buckets=_buckets(report, context, per_bucket, lifetime),
        currency=None,
        ignored=_ignored(report, names),
        read=_read(report, per_bucket),
    )


def _read(report: Report, per_bucket: Mapping[datetime, Mapping[str, Value]]) -> frozenset[str]:
    mapped = {m.name for m in report.mapped()}
    return frozenset(name for found in per_bucket.values() for name in found if name in mapped)


def _buckets(
    report: Report,
    context: Context,
    per_bucket: Mapping[datetime, Mapping[str, Value]],
    lifetime: bool,
) -> list[Bucket]:
    buckets = []
    for start in sorted(per_bucket):
        day = start.astimezone(ZoneInfo(context.timezone)).date() if not lifetime else context.as_of
        values, unreported = _resolve(report, context, per_bucket[start], day)
        buckets.append(Bucket(start, lifetime, values, unreported))
    return buckets


# ------------------------------------------------------------------------ Meta ads


def _day(raw: Any, loc: Loc, fmt: str = "%Y-%m-%d") -> date:
    if not isinstance(raw, str):
        raise PayloadError(loc, "expected a date")
    try:
        return datetime.strptime(raw, fmt).replace(tzinfo=UTC).date()
    except ValueError:
        raise PayloadError(loc, f"{raw!r} is not a date ({fmt})") from None


def _put(into: dict[str, Value], name: str, value: Value | None) -> None:
    """A metric's value in its bucket (a later point of the same metric replaces it)."""
    if value is not None:
        into[name] = value


def _add(into: dict[str, Value], name: str, value: Value | None) -> None:
    if value is not None:
        into[name] = into.get(name, 0) + value


def meta_ads_insights(payload: Mapping[str, Any], context: Context) -> Adapted:
    """Marketing API insights with `time_increment=1`: one row per day (per ad, per
    breakdown), numbers as decimal strings, days in the ad account's zone. Rows of one
    day add up (reach too: an upper bound, as the KPI contract says)."""
    report = context.report
    per_day: dict[date, dict[str, Value]] = {}
    currencies: set[str] = set()
    campaigns: dict[str, Loc] = {}
    names: set[str] = set()
    plain = {m.name: m for m in report.mapped() if m.array is None}
    arrays = [m for m in report.mapped() if m.array is not None]
    for loc, row in _items(payload, "data", ()):
        row = _mapping(row, loc)
        start = _day(_get(row, "date_start", loc), (*loc, "date_start"))
        stop = _day(_get(row, "date_stop", loc), (*loc, "date_stop"))
        if start != stop:
            raise PayloadError(
                (*loc, "date_stop"), "a row spans several days: ask time_increment=1"
            )
        if "account_currency" in row:
            currencies.add(str(row["account_currency"]))
        found = per_day.setdefault(start, {})
        for key, raw in row.items():
            names.add(key)
            metric = plain.get(key)
            if metric is not None:
                _add(found, key, number(raw, (*loc, key), money=metric.unit == "money"))
        campaign = row.get("campaign_id")
        if campaign is not None:
            campaigns.setdefault(str(campaign), loc)
            if len(campaigns) > 1:
                raise PayloadError((*loc, "campaign_id"), "rows of several campaigns: post one")
        for metric in arrays:
            assert metric.array is not None
            entries = _list(row.get(metric.array, []), (*loc, metric.array))
            value = _action(entries, metric, context.window, (*loc, metric.array))
            if value is None and "spend" in row:
                value = 0  # Meta leaves out the action types nobody took: a day that spent
            _add(found, metric.name, value)
    if len(currencies) > 1:
        raise PayloadError(("data",), f"rows in several currencies: {sorted(currencies)}")
    per_bucket = {local_midnight(day, context.timezone): found for day, found in per_day.items()}
    known = {m.name for m in report.metrics} | {m.array for m in arrays if m.array}
    bookkeeping = {"date_start", "date_stop", "account_currency", "account_id", "account_name"}
    return Adapted(
        buckets=_buckets(report, context, per_bucket, lifetime=False),
        currency=currencies.pop() if currencies else None,
        ignored=tuple(sorted(n for n in names - known - bookkeeping if not n.endswith("_id"))),
        read=_read(report, per_bucket),
    )


def _action(entries: Sequence[Any], metric: Metric, window: str | None, loc: Loc) -> Value | None:
    """The value of the first of `metric.actions` present, in the attribution window."""
    by_type: dict[str, tuple[Loc, Mapping[str, Any]]] = {}
    for index, entry in enumerate(entries):
        entry = _mapping(entry, (*loc, index))
        action_type = _get(entry, "action_type", (*loc, index))
        by_type[str(action_type)] = ((*loc, index), entry)
    for action_type in metric.actions:
        if action_type in by_type:
            where, entry = by_type[action_type]
            key = window or "value"
            if key not in entry:
                return 0  # Meta omits a window with nothing attributed in it
            return number(entry[key], (*where, key), money=metric.unit == "money")
    return None


# ------------------------------------------------------------------------ LinkedIn


#: Epoch milliseconds from 2000 to 2100: anything else is no date a platform reports.
_EPOCH_MS = range(946_684_800_000, 4_102_444_800_000)


def _epoch_ms(raw: Any, loc: Loc) -> datetime:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw not in _EPOCH_MS:
        raise PayloadError(loc, "expected epoch milliseconds from 2000 to 2100")
    return datetime.fromtimestamp(raw / 1000, UTC)


def linkedin_share_statistics(payload: Mapping[str, Any], context: Context) -> Adapted:
    """`elements[]` with `totalShareStatistics`: time-bound ones (`timeRange`, by day)
    are buckets at their start; one without `timeRange` is a lifetime total."""
    report = context.report
    per_bucket: dict[datetime, dict[str, Value]] = {}
    lifetime = False
    names: set[str] = set()
    for loc, element in _items(payload, "elements", ()):
        element = _mapping(element, loc)
        stats = _mapping(_get(element, "totalShareStatistics", loc), (*loc, "totalShareStatistics"))
        if "timeRange" in element:
            span = _mapping(element["timeRange"], (*loc, "timeRange"))
            start = _epoch_ms(
                _get(span, "start", (*loc, "timeRange")), (*loc, "timeRange", "start")
            )
        else:
            lifetime = True
            start = local_midnight(context.as_of, context.timezone)
        found = per_bucket.setdefault(start, {})
        for key, raw in stats.items():
            names.add(key)
            metric = report.by_name(key)
            if metric is not None and metric.counter is not None:
                _add(found, key, number(raw, (*loc, "totalShareStatistics", key)))
    if lifetime and len(per_bucket) > 1:
        raise PayloadError(("elements",), "lifetime and time-bound statistics mixed")
    return Adapted(
        buckets=_buckets(report, context, per_bucket, lifetime),
        currency=None,
        ignored=_ignored(report, sorted(names)),
        read=_read(report, per_bucket),
    )


def _ymd(raw: Any, loc: Loc) -> date:
    """LinkedIn's `{year, month, day}`."""
    parts = _mapping(raw, loc)
    values = []
    for key in ("year", "month", "day"):
        value = _get(parts, key, loc)
        if isinstance(value, bool) or not isinstance(value, int):
            raise PayloadError((*loc, key), "expected an integer")
        values.append(value)
    try:
        return date(*values)
    except (ValueError, OverflowError):
        raise PayloadError(loc, "not a date") from None


def linkedin_ad_analytics(payload: Mapping[str, Any], context: Context) -> Adapted:
    """`elements[]` with `dateRange.start {year, month, day}` (DAILY granularity) and the
    requested fields; costs are decimal strings in the account's currency."""
    report = context.report
    per_bucket: dict[datetime, dict[str, Value]] = {}
    names: set[str] = set()
    for loc, element in _items(payload, "elements", ()):
        element = _mapping(element, loc)
        span = _mapping(_get(element, "dateRange", loc), (*loc, "dateRange"))
        start_loc = (*loc, "dateRange", "start")
        start = _mapping(_get(span, "start", (*loc, "dateRange")), start_loc)
        day = _ymd(start, start_loc)
        if "end" in span and _ymd(span["end"], (*loc, "dateRange", "end")) != day:
            raise PayloadError((*loc, "dateRange", "end"), "ask timeGranularity=DAILY")
        found = per_bucket.setdefault(local_midnight(day, context.timezone), {})
        for key, raw in element.items():
            names.add(key)
            metric = report.by_name(key)
            if metric is not None and metric.counter is not None:
                _add(found, key, number(raw, (*loc, key), money=metric.unit == "money"))
    names -= {"dateRange", "pivotValues", "pivotValue"}
    return Adapted(
        buckets=_buckets(report, context, per_bucket, lifetime=False),
        currency=None,
        ignored=_ignored(report, sorted(names)),
        read=_read(report, per_bucket),
    )


# ------------------------------------------------------------------------ TikTok


def tiktok_integrated_report(payload: Mapping[str, Any], context: Context) -> Adapted:
    """`{code, message, data: {list[{dimensions, metrics}], page_info}}`: `code` 0 is
    success (errors come with HTTP 200 too); metrics are strings; `stat_time_day` is
    `YYYY-MM-DD 00:00:00` in the advertiser's zone."""
    report = context.report
    code = _get(payload, "code", ())
    if code != 0:
        raise PayloadError(("code",), f"TikTok answered code {code}: {payload.get('message')}")
    data = _mapping(_get(payload, "data", ()), ("data",))
    per_bucket: dict[datetime, dict[str, Value]] = {}
    names: set[str] = set()
    campaigns: set[str] = set()
    for loc, row in _items(data, "list", ("data",)):
        row = _mapping(row, loc)
        dims = _mapping(_get(row, "dimensions", loc), (*loc, "dimensions"))
        day_loc = (*loc, "dimensions", "stat_time_day")
        day = _day(_get(dims, "stat_time_day", (*loc, "dimensions")), day_loc, "%Y-%m-%d %H:%M:%S")
        campaign = dims.get("campaign_id")
        if campaign is not None:
            campaigns.add(str(campaign))
            if len(campaigns) > 1:
                raise PayloadError((*loc, "dimensions", "campaign_id"), "rows of several campaigns")
        metrics = _mapping(_get(row, "metrics", loc), (*loc, "metrics"))
        found = per_bucket.setdefault(local_midnight(day, context.timezone), {})
        for key, raw in metrics.items():
            names.add(key)
            metric = report.by_name(key)
            if metric is not None and metric.counter is not None:
                _add(found, key, number(raw, (*loc, "metrics", key), money=metric.unit == "money"))
    return Adapted(
        buckets=_buckets(report, context, per_bucket, lifetime=False),
        currency=None,
        ignored=_ignored(report, sorted(names)),
        read=_read(report, per_bucket),
    )


# ------------------------------------------------------------------------ YouTube


def youtube_analytics(payload: Mapping[str, Any], context: Context) -> Adapted:
    """A `youtubeAnalytics#resultTable`: `columnHeaders` (dimensions, then metrics) and
    `rows` of values in that order, `rows` omitted when there is no data."""
    report = context.report
    headers = []
    for loc, header in _items(payload, "columnHeaders", ()):
        header = _mapping(header, loc)
        headers.append(str(_get(header, "name", loc)))
    if "day" not in headers:
        raise PayloadError(("columnHeaders",), "no `day` dimension: ask dimensions=day")
    at = headers.index("day")
    per_bucket: dict[datetime, dict[str, Value]] = {}
    for loc, row in _items(payload, "rows", ()) if "rows" in payload else ():
        cells = _list(row, loc)
        if len(cells) != len(headers):
            raise PayloadError(loc, f"{len(cells)} cells for {len(headers)} columns")
        day = _day(cells[at], (*loc, at))
        found = per_bucket.setdefault(local_midnight(day, context.timezone), {})
        for index, name in enumerate(headers):
            metric = report.by_name(name)
            if metric is not None and metric.counter is not None:
                _add(found, name, number(cells[index], (*loc, index)))
    return Adapted(
        buckets=_buckets(report, context, per_bucket, lifetime=False),
        currency=None,
        ignored=_ignored(report, [h for h in headers if h != "day"]),
        read=_read(report, per_bucket),
    )


READERS: dict[str, Callable[[Mapping[str, Any], Context], Adapted]] = {
    "meta_insights": meta_insights,
    "meta_ads_insights": meta_ads_insights,
    "linkedin_share_statistics": linkedin_share_statistics,
    "linkedin_ad_analytics": linkedin_ad_analytics,
    "tiktok_integrated_report": tiktok_integrated_report,
    "youtube_analytics": youtube_analytics,
}


def adapt(payload: Any, context: Context) -> Adapted:
    """The payload's buckets, read by its report's shape."""
    return READERS[context.report.shape](_mapping(payload, ()), context)
