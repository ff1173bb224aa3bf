"""The demo seed behind `make run` and `smm seed`: once, realistic, and its key always
opens it. What each report shows on it: tests/test_demo_reports.py."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa

from services.api.state import Resources
from shared import demo
from shared.config import Settings
from shared.db.base import utcnow
from shared.db.uow import unit_of_work
from shared.demo import metrics, plan, visitors, voices

COUNTED = (
    "campaigns",
    "content_items",
    "metric_snapshots",
    "events",
    "mentions",
    "alerts",
    "audience_members",
    "attribution_runs",
    "webhook_deliveries",
    "webhook_attempts",
    "outbox_events",
)


async def _counts(resources: Resources) -> dict[str, int]:
    async with resources.engine.connect() as conn:
        ws = await conn.scalar(
            sa.text("SELECT id FROM workspaces WHERE name = :n"), {"n": demo.DEMO_NAME}
        )
        counts = {}
        for table in COUNTED:
            if table in ("audience_members", "webhook_attempts"):
                parent, column = (
                    ("audiences", "audience_id")
                    if table == "audience_members"
                    else ("webhook_deliveries", "delivery_id")
                )
                query = (
                    f"SELECT count(*) FROM {table} t JOIN {parent} p ON p.id = t.{column} "
                    "WHERE p.workspace_id = :ws"
                )
            else:
                query = f"SELECT count(*) FROM {table} WHERE workspace_id = :ws"
            counts[table] = int(await conn.scalar(sa.text(query), {"ws": ws}) or 0)
        pending = await conn.scalar(
            sa.text("SELECT count(*) FROM jobs WHERE workspace_id = :ws AND status = 'pending'"),
            {"ws": ws},
        )
    counts["pending_jobs"] = int(pending or 0)
    return counts


async def test_demo_is_seeded_once_and_its_key_works(
    resources: Resources, settings: Settings, client: httpx.AsyncClient
) -> None:
    started = time.perf_counter()
    async with unit_of_work(resources.sessionmaker, None) as uow:
        key = await demo.ensure(uow, utcnow(), None, settings)
    seconds = time.perf_counter() - started
    first = await _counts(resources)
    async with unit_of_work(resources.sessionmaker, None) as uow:
        assert await demo.ensure(uow, utcnow(), key, settings) == key
    async with unit_of_work(resources.sessionmaker, None) as uow:
        replaced = await demo.ensure(uow, utcnow(), "smm_a-key-from-another-database", settings)
    assert replaced != key
    async with resources.engine.connect() as conn:
        count = await conn.scalar(
            sa.text("SELECT count(*) FROM workspaces WHERE name = :n"), {"n": demo.DEMO_NAME}
        )
    assert count == 1
    # Idempotent: ensuring again adds a key when needed, never data.
    assert await _counts(resources) == first
    assert first["metric_snapshots"] > 2_000
    assert first["events"] > 10_000
    assert first["mentions"] >= 2_000
    # Every job the seed recorded ran inline: the worker has nothing left to do for it.
    assert first["pending_jobs"] == 0
    assert seconds < 30, f"seeding took {seconds:.1f} s"

    headers = {"Authorization": f"Bearer {replaced}"}
    campaigns = (await client.get("/v1/campaigns", headers=headers)).json()["items"]
    assert {c["objective"] for c in campaigns} == {"sales", "leads", "awareness"}
    assert sorted(c["status"] for c in campaigns) == ["active", "active", "scheduled"]
    items = (await client.get("/v1/content-items", params={"limit": 200}, headers=headers)).json()[
        "items"
    ]
    statuses = {i["status"] for i in items}
    assert statuses >= {"published", "scheduled", "approved", "in_review", "draft"}
    assert len({i["platform"] for i in items}) == 5
    assert all(i["published_at"] for i in items if i["status"] == "published")
    assert all(i["title"] for i in items)
    audiences = (await client.get("/v1/audiences", headers=headers)).json()["items"]
    assert {a["kind"] for a in audiences} == {"saved", "retargeting", "lookalike"}


def test_the_story_moves_with_now_and_names_the_season() -> None:
    """Relative to `now`: the same story a season later, under that season's names, and
    every publication at a daytime slot in Paris."""
    for now, collection in (
        (datetime(2026, 12, 10, 1, 6, tzinfo=UTC), "Automne-Hiver"),
        (datetime(2027, 6, 2, 23, 40, tzinfo=UTC), "Printemps-Été"),
    ):
        story = plan.build(now, 90)
        sales = story.campaigns[0]
        assert sales.name.startswith(f"Collection {collection}")
        other = "Printemps" if collection == "Automne-Hiver" else "Hiver"
        assert all(other not in c.name for c in story.campaigns)
        for item in story.items:
            assert other not in item.title + item.caption
            local = item.at.astimezone(plan.PARIS)
            assert 9 <= local.hour <= 20, item
            if item.status == "published":
                assert item.at < now
            else:
                assert item.at > now
        assert story.items == plan.build(now, 90).items  # deterministic
        assert (
            metrics.series(story)["star"].daily == metrics.series(plan.build(now, 90))["star"].daily
        )


def test_hourly_snapshots_add_up_to_their_day() -> None:
    now = datetime(2026, 10, 27, 9, 0, tzinfo=UTC)  # the day after the clocks went back
    story = plan.build(now, 30)
    found = metrics.series(story)
    checked = 0
    for series in found.values():
        for day, values in series.daily.items():
            hours = [v for h, v in series.hourly.items() if h.astimezone(plan.PARIS).date() == day]
            if not hours:
                continue
            checked += 1
            for name, value in values.items():
                if name == "reach" or value is None:
                    continue
                assert sum(h[name] for h in hours) == value  # type: ignore[misc]
    assert checked > 20


def test_mentions_vary_and_visitors_convert() -> None:
    now = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    story = plan.build(now, 90)
    written, storm = voices.voices(story)
    texts = [v.text for v in written]
    assert len(texts) >= 2_000
    assert len(set(texts)) > 0.5 * len(texts)
    assert all(v.posted_at < now for v in written)
    assert storm.end - storm.start == timedelta(minutes=220)
    journeys = visitors.journeys(story)
    kinds = {e["type"] for e in journeys}
    assert kinds == {
        "impression",
        "engagement",
        "click",
        "visit",
        "add_to_cart",
        "purchase",
        "lead",
    }


class _RollBack(Exception):
    """Raised to leave a unit of work without committing what it seeded."""


async def test_a_shorter_history_tells_the_same_story(
    resources: Resources, settings: Settings
) -> None:
    """`smm seed --days 21`: every part of the story fits in three weeks. Seeded in a
    unit of work that is rolled back: the suite's demo stays the only one."""
    now = utcnow()
    found: dict[str, object] = {}
    try:
        async with unit_of_work(resources.sessionmaker, None) as uow:
            ws, _ = await demo.seed(uow, now, settings, days=21)
            session = uow.session
            first_snapshot = await session.scalar(
                sa.text("SELECT min(period_start) FROM metric_snapshots WHERE workspace_id = :w"),
                {"w": ws},
            )
            alerts = await session.execute(
                sa.text("SELECT level, status FROM alerts WHERE workspace_id = :w ORDER BY 1"),
                {"w": ws},
            )
            found["alerts"] = [tuple(row) for row in alerts]
            found["mentions"] = await session.scalar(
                sa.text("SELECT count(*) FROM mentions WHERE workspace_id = :w"), {"w": ws}
            )
            found["members"] = await session.scalar(
                sa.text("SELECT count(*) FROM audience_members WHERE workspace_id = :w"),
                {"w": ws},
            )
            assert first_snapshot is not None
            found["oldest_days"] = (now - first_snapshot).days
            raise _RollBack
    except _RollBack:
        pass
    assert 15 <= int(str(found["oldest_days"])) <= 21  # the first posts of the period
    assert found["alerts"] == [("alert", "resolved"), ("watch", "open")]
    assert 21 * 20 < int(str(found["mentions"])) < 21 * 40
    assert int(str(found["members"])) > 50


def test_seed_takes_the_days_of_history() -> None:
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    shown = runner.invoke(app, ["seed", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "--days" in shown.output
    assert "Example" in shown.output
    assert "--json" in shown.output
    refused = runner.invoke(app, ["seed", "--days", "3"])
    assert refused.exit_code == 2  # a usage error, before any connection
