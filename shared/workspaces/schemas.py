from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from importlib.resources import files
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypeAliasType

from shared.i18n import Language
from shared.schemas import (
    CurrencyCode,
    InputModel,
    Name,
    ReadModel,
    Timestamp,
    UpdateModel,
    decimal_text,
)
from shared.workspaces.models import DEFAULT_LOCALE, Locale, Role

#: The IANA zones of the pinned `tzdata` package, not the machine's (whose list varies with
#: its packages: `Factory`, `localtime`), so every build documents the same list; the schema
#: lists them, so a client (and a generated one) can offer exactly what the server accepts.
ZONES = tuple(sorted(files("tzdata").joinpath("zones").read_text().split()))
_ZONES = frozenset(ZONES)


def _known_zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError(f"unknown IANA time zone {value!r}")
    return value


def _var_name(zone: str) -> str:
    """A zone as an identifier that keeps every zone apart: `Etc/GMT+1` is
    `ETC_GMT_PLUS_1` and `Etc/GMT-1` `ETC_GMT_MINUS_1` (a generator's own upper-snake
    spelling makes one name of the two), `America/Port-au-Prince` `AMERICA_PORT_AU_PRINCE`."""
    spelled = re.sub(r"-(?=\d)", "_MINUS_", zone.replace("+", "_PLUS_"))
    return re.sub(r"[^A-Za-z0-9]+", "_", spelled).strip("_").upper()


_VAR_NAMES = [_var_name(zone) for zone in ZONES]
assert len(set(_VAR_NAMES)) == len(ZONES), "two time zones spell one identifier"

#: One component (`TimeZone`), its values named for generated clients (`x-enum-varnames`).
TimeZone = TypeAliasType(
    "TimeZone",
    Annotated[
        str,
        Field(
            max_length=64,
            examples=["Europe/Paris"],
            json_schema_extra={"enum": list(ZONES), "x-enum-varnames": _VAR_NAMES},
        ),
        AfterValidator(_known_zone),
    ],
)


class WorkspaceCreate(InputModel):
    name: Name = Field(examples=["Maison Lumière"])
    timezone: TimeZone = "Europe/Paris"
    currency: CurrencyCode = "EUR"
    locale: Locale = Field(
        default=DEFAULT_LOCALE,
        description="BCP 47: the CSV dialect by default (`excel` for `fr-*`) and the "
        "console's language and number formats.",
    )
    language: Language | None = Field(
        default=None,
        description="What the product writes for the team: alert summaries, default "
        "playbooks, weekday and funnel labels, CSV headers. Omitted: the locale's "
        "(`fr` for `fr-*`, else `en`). Error messages follow each request's "
        "`Accept-Language` instead.",
    )


class WorkspaceRead(ReadModel):
    id: uuid.UUID
    name: str
    timezone: str
    currency: str
    locale: Locale
    language: Language
    created_at: datetime


#: Reference ranges a workspace may override (KPI-2; defaults in `shared.kpis.ranges`).
KpiRangeName = Literal[
    "impression_to_engagement",
    "engagement_to_click",
    "click_to_conversion",
    "cpm",
    "engagement_rate",
    "ctr",
    "conversion_rate",
]
Bound = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=6, allow_inf_nan=False),
    *decimal_text(r"^\d{1,8}(\.\d{1,6})?$", example="0.03", max_length=15),
]


class RangeIn(InputModel):
    low: Bound
    high: Bound

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low > self.high:
            raise ValueError("low must not be above high")
        return self


class RangeRead(BaseModel):
    low: str = Field(examples=["0.03"])
    high: str = Field(examples=["0.05"])


class WorkspaceUpdate(UpdateModel):
    """Changing the time zone re-buckets the KPI rollups (a worker job)."""

    NOT_NULL = frozenset({"name", "timezone", "currency", "locale", "language"})

    name: Name | None = None
    timezone: TimeZone | None = None
    currency: CurrencyCode | None = None
    locale: Locale | None = None
    language: Language | None = Field(
        default=None,
        description="Texts written from now on follow it; alerts already written keep theirs.",
    )
    kpi_ranges: dict[KpiRangeName, RangeIn | None] | None = Field(
        default=None,
        max_length=7,
        description="Ranges to override; `null` for a name restores its default.",
        examples=[{"click_to_conversion": {"low": "0.01", "high": "0.05"}}],
    )


class WorkspaceDetail(WorkspaceRead):
    kpi_ranges: dict[str, RangeRead] = Field(
        description="The reference ranges in force: the defaults and the overrides."
    )


class ApiKeyCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Looker export",
                    "role": "viewer",
                    "expires_at": "2027-01-01T00:00:00Z",
                }
            ]
        },
    )

    name: Name = Field(examples=["Looker export"])
    role: Role = Field(examples=["viewer"])
    expires_at: Timestamp | None = None


class ApiKeyRead(ReadModel):
    id: uuid.UUID
    name: str
    role: Role
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret. Shown once: store it now.")


class WorkspaceCreated(ReadModel):
    workspace: WorkspaceRead
    api_key: ApiKeyCreated
