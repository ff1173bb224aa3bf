"""Reference ranges of KPI-2 (the seeds' "from like to lead" figures), which a workspace
may override in its settings (`kpi_ranges`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared.kpis.formulas import Range

#: The passes between funnel stages, then the KPIs reported against a range.
PASSES = ("impression_to_engagement", "engagement_to_click", "click_to_conversion")
BENCHMARKS = ("cpm", "engagement_rate", "ctr", "conversion_rate")

DEFAULTS: dict[str, Range] = {
    "impression_to_engagement": Range(Decimal("0.03"), Decimal("0.05")),
    "engagement_to_click": Range(Decimal("0.01"), Decimal("0.03")),
    "click_to_conversion": Range(Decimal("0.02"), Decimal("0.10")),
    "cpm": Range(Decimal("5"), Decimal("15")),  # in the workspace's currency
    "engagement_rate": Range(Decimal("0.02"), Decimal("0.08")),
    "ctr": Range(Decimal("0.008"), Decimal("0.025")),
    "conversion_rate": Range(Decimal("0.02"), Decimal("0.10")),
}


def workspace_ranges(settings: Mapping[str, Any]) -> dict[str, Range]:
    """The defaults, with the workspace's overrides (stored as decimal strings)."""
    overrides = settings.get("kpi_ranges") or {}
    return {
        name: Range(Decimal(overrides[name]["low"]), Decimal(overrides[name]["high"]))
        if name in overrides
        else default
        for name, default in DEFAULTS.items()
    }
