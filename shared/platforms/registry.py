"""The metric registry (`metric_registry.toml`): what each platform reports, per object
type and API version, and which canonical counter (ING-1) each metric lands on.

Data, not code, so a platform's rename is a reviewed edit of one file. It is validated
when the API and the worker start (`load`): a registry that names an unknown counter, a
replacement that does not exist or two reports for one platform and object fails there,
not in the middle of a sync.
"""

from __future__ import annotations

import enum
import functools
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.metrics.models import AMOUNTS, MEASURES, Reason
from shared.social_accounts.models import Platform

REGISTRY_FILE = Path(__file__).with_name("metric_registry.toml")


class ObjectType(enum.StrEnum):
    """What a report is about, in the platforms' own terms."""

    page = "page"
    account = "account"
    channel = "channel"
    post = "post"
    media = "media"
    video = "video"
    campaign = "campaign"
    ad = "ad"


class Aggregation(enum.StrEnum):
    additive = "additive"
    non_additive = "non_additive"
    lifetime = "lifetime"


Shape = Literal[
    "meta_insights",
    "meta_ads_insights",
    "linkedin_share_statistics",
    "linkedin_ad_analytics",
    "tiktok_integrated_report",
    "youtube_analytics",
]

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?$")


def version_key(version: str) -> tuple[int, int]:
    """`v21.0` < `v22.0`, `202505` < `202601`, `v1.3`: comparable, whatever the style."""
    found = _VERSION.match(version.strip())
    if found is None:
        raise ValueError(f"{version!r} is not an API version like v23.0, 202505 or v1.3")
    return int(found[1]), int(found[2] or 0)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metric(_Strict):
    name: str = Field(description="The platform's name; `array:label` for an action type.")
    counter: str | None = Field(
        default=None, description="The canonical counter it lands on; null: kept out."
    )
    aggregation: Aggregation
    unit: Literal["count", "milliseconds", "seconds", "minutes", "money", "ratio"]
    since: str | None = Field(default=None, description="First API version reporting it.")
    until: str | None = Field(default=None, description="Last API version reporting it.")
    retired_on: date | None = Field(
        default=None, description="The day the platform stopped it on every version."
    )
    replaced_by: str | None = None
    array: Literal["actions", "action_values"] | None = None
    actions: tuple[str, ...] = Field(
        default=(), description="Action types read, first present wins (they overlap)."
    )
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for bound in (self.since, self.until):
            if bound is not None:
                version_key(bound)
        if self.since and self.until and version_key(self.since) > version_key(self.until):
            raise ValueError(f"{self.name}: since {self.since} is after until {self.until}")
        if self.counter is not None and self.counter not in MEASURES:
            raise ValueError(f"{self.name}: no canonical counter {self.counter!r}")
        if bool(self.array) != bool(self.actions):
            raise ValueError(f"{self.name}: `array` and `actions` go together")
        if (self.unit == "money") != (self.counter in AMOUNTS):
            raise ValueError(f"{self.name}: money lands on spend or conversion_value only")
        return self

    def reported_by(self, version: str, day: date | None) -> bool:
        """Whether the platform still answers this metric on `version` for `day`."""
        key = version_key(version)
        if self.since is not None and key < version_key(self.since):
            return False
        if self.until is not None and key > version_key(self.until):
            return False
        return not (self.retired_on is not None and day is not None and day >= self.retired_on)


class Report(_Strict):
    key: str
    title: str
    platforms: tuple[Platform, ...]
    objects: tuple[ObjectType, ...]
    shape: Shape
    period: Literal["day", "lifetime", "day_or_lifetime"]
    versions: str = Field(description="The oldest API version the adapter reads: `v13.0+`.")
    days_in: str | None = Field(
        default=None,
        description="The zone the platform counts days in, when fixed; else the account's.",
    )
    reference: str
    breakdowns_note: str | None = None
    metrics: tuple[Metric, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        version_key(self.versions.removesuffix("+"))
        names = [metric.name for metric in self.metrics]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.key}: a metric is listed twice")
        for metric in self.metrics:
            if metric.replaced_by is not None and metric.replaced_by not in names:
                raise ValueError(f"{self.key}: {metric.name} replaced by unknown metric")
        return self

    @property
    def counters(self) -> frozenset[str]:
        """The counters this report can ever fill: the others do not apply to it."""
        return frozenset(m.counter for m in self.metrics if m.counter is not None)

    def mapped(self) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if m.counter is not None)

    def by_name(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def supports(self, version: str) -> bool:
        return version_key(version) >= version_key(self.versions.removesuffix("+"))

    def requestable(self, version: str, day: date) -> tuple[Metric, ...]:
        """The plain metrics (not action types) worth asking for on `version` today."""
        return tuple(m for m in self.mapped() if m.array is None and m.reported_by(version, day))

    def absence(self, counter: str, version: str, day: date | None) -> Reason | None:
        """Why a payload has nothing for `counter`: `not_provided` when a metric still
        reported on this version and day maps to it, `deprecated` when every metric that
        did is gone, None when the report never had it (it does not apply)."""
        metrics = [m for m in self.metrics if m.counter == counter]
        if not metrics:
            return None
        if any(m.reported_by(version, day) for m in metrics):
            return Reason.not_provided
        return Reason.deprecated


class Registry(_Strict):
    registry_version: str
    reports: tuple[Report, ...]

    @model_validator(mode="after")
    def _one_report_each(self) -> Self:
        seen: dict[tuple[Platform, ObjectType], str] = {}
        for report in self.reports:
            for platform in report.platforms:
                for obj in report.objects:
                    if (platform, obj) in seen:
                        raise ValueError(
                            f"{platform} {obj} is read by both {seen[platform, obj]} and "
                            f"{report.key}"
                        )
                    seen[platform, obj] = report.key
        return self

    def report_for(self, platform: Platform, obj: ObjectType) -> Report | None:
        return next((r for r in self.reports if platform in r.platforms and obj in r.objects), None)


def parse(text: str) -> Registry:
    return Registry.model_validate(tomllib.loads(text))


@functools.cache
def load(path: Path = REGISTRY_FILE) -> Registry:
    """The registry, read and validated once per process (at start-up)."""
    return parse(path.read_text(encoding="utf-8"))
