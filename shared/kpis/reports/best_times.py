"""KPI-4: engagement rate by weekday and hour of publication, and the best slots."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from shared.db.uow import UnitOfWork
from shared.i18n import Language, Text, catalog
from shared.kpis import formulas, lookups, report
from shared.kpis.measures import Sums, add
from shared.kpis.queries import GroupBy, Scope, grouped_sums
from shared.kpis.reports.common import check_level, meta
from shared.kpis.schemas import BestTimes, TimeSlot

#: ISO weekdays in order (1 is Monday), by their English id, each named in every language.
WEEKDAY_NAMES = catalog(
    "kpis.weekdays",
    {
        "monday": Text(en="Monday", fr="Lundi"),
        "tuesday": Text(en="Tuesday", fr="Mardi"),
        "wednesday": Text(en="Wednesday", fr="Mercredi"),
        "thursday": Text(en="Thursday", fr="Jeudi"),
        "friday": Text(en="Friday", fr="Vendredi"),
        "saturday": Text(en="Saturday", fr="Samedi"),
        "sunday": Text(en="Sunday", fr="Dimanche"),
    },
)
WEEKDAYS = tuple(WEEKDAY_NAMES)


def weekday_name(weekday: int, language: Language) -> str:
    """An ISO weekday (1 is Monday) as the workspace's language names it."""
    return WEEKDAY_NAMES[WEEKDAYS[weekday - 1]](language)


async def best_times(uow: UnitOfWork, scope: Scope, min_items: int, top: int = 5) -> BestTimes:
    """KPI-4: engagement rate by weekday and hour of publication in the workspace's time
    zone, pooled over the published items of each slot; the best slots with enough items."""
    check_level(scope, GroupBy.content_item)
    space = await lookups.workspace(uow.session, scope.workspace_id)
    zone = ZoneInfo(scope.timezone)
    engagement_rate = report.BY_NAME["engagement_rate"]
    sums = await grouped_sums(uow.session, scope, GroupBy.content_item)
    items = await lookups.content_items(uow.session, scope.workspace_id, (k[0] for k in sums))
    slots: dict[tuple[int, int], list[Sums]] = defaultdict(list)
    for (item_id,), item_sums in sums.items():
        item = items.get(item_id)
        if item is None or item.published_at is None:
            continue
        if report.kpi_value(item_sums, engagement_rate, space.currency) is None:
            continue
        slots[formulas.local_slot(item.published_at, zone)].append(item_sums)
    table = [
        TimeSlot(
            weekday=weekday,
            weekday_name=weekday_name(weekday, space.language),
            hour=hour,
            items=len(members),
            engagement_rate=report.kpi_value(add(*members), engagement_rate, space.currency),
        )
        for (weekday, hour), members in sorted(slots.items())
    ]
    return BestTimes(
        **meta(scope, space),
        min_items=min_items,
        top=formulas.best_slots(table, min_items, top),
        slots=table,
    )
