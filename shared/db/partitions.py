"""Monthly partitions of the big tables (`metric_snapshots`, `events`), made before any
row needs them: by the writer for the months it writes, and ahead by a daily cron."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

#: The tables partitioned by month, each on its own time column.
PARENTS = ("metric_snapshots", "events")
#: Monthly partitions are `<table>_yYYYYmMM`: made by code, not named by the models.
MONTHLY = re.compile(r"^\w+_y\d{4}m\d{2}$")
#: Serialises partition DDL between concurrent merges (any constant, ours).
_LOCK = 0x5D_0001


def month_start(moment: datetime) -> datetime:
    """The UTC month holding `moment`: partitions are bounded in UTC, whatever offset
    the client wrote (`2026-03-01T00:30:00+02:00` belongs to February)."""
    utc = moment.astimezone(UTC)
    return datetime(utc.year, utc.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def months_between(first: datetime, last: datetime) -> list[datetime]:
    """The starts of the months from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(parent: str, start: datetime) -> str:
    return f"{parent}_y{start.year:04d}m{start.month:02d}"


_SEQUENTIAL_ON_CITUS = sa.text(
    "SELECT set_config('citus.multi_shard_modify_mode', 'sequential', true)"
    " WHERE current_setting('citus.multi_shard_modify_mode', true) IS NOT NULL"
)


async def ensure(session: AsyncSession, parent: str, months: Iterable[datetime]) -> list[str]:
    """Create the partitions of these months that do not exist yet; the names made.

    Existing ones are found with one catalogue query, so the common case takes no lock;
    creation is serialised by a transaction-level advisory lock.
    """
    assert parent in PARENTS, parent
    wanted = {partition_name(parent, month_start(m)): month_start(m) for m in months}
    if not wanted:
        return []
    existing = set(
        await session.scalars(
            sa.text("SELECT relname FROM pg_class WHERE relname = ANY(:names)"),
            {"names": list(wanted)},
        )
    )
    missing = {name: start for name, start in wanted.items() if name not in existing}
    if not missing:
        return []
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK)))
    # On Citus, attaching distributes the new table over parallel connections to the
    # workers, which deadlock against this transaction's own locks (seen in
    # `make test-citus`); one connection per worker does not. A no-op without Citus.
    await session.execute(_SEQUENTIAL_ON_CITUS)
    for name, start in sorted(missing.items()):
        # CREATE TABLE ... PARTITION OF would take an ACCESS EXCLUSIVE lock on the parent:
        # it would wait for every long read of the table (an attribution run, a KPI
        # report), and every new read would queue behind it. A table made alone, then
        # attached, takes only SHARE UPDATE EXCLUSIVE on the parent, which reads do not
        # block; attaching creates the partitioned indexes on it.
        exists = await session.scalar(
            sa.text("SELECT 1 FROM pg_class WHERE relname = :name"), {"name": name}
        )
        if exists:
            continue
        await session.execute(sa.text(f'CREATE TABLE "{name}" (LIKE {parent} INCLUDING DEFAULTS)'))
        await session.execute(
            sa.text(
                f'ALTER TABLE {parent} ATTACH PARTITION "{name}" '
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{next_month(start).isoformat()}')"
            )
        )
    return sorted(missing)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """For Alembic's comparison: partitions are data layout, not schema the models name."""
    return not (type_ == "table" and name is not None and MONTHLY.match(name))
