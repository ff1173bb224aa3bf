"""ATT-1..ATT-3 through the API and the worker's handler, on hand-built journeys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from services.api.state import Resources
from services.worker.context import WorkerContext
from services.worker.jobs.attribution import run_attribution
from shared.attribution.jobs import RunAttribution
from shared.config import Settings
from shared.db.uow import unit_of_work
from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.outbox import outbox_events

NOW = datetime.now(UTC).replace(microsecond=0)


def ev(
    visitor: str, kind: str, days_ago: float, channel: str = "direct", **fields: Any
) -> dict[str, Any]:
    return {
        "event_id": f"{visitor}-{kind}-{days_ago}",
        "visitor_id": visitor,
        "type": kind,
        "occurred_at": (NOW - timedelta(days=days_ago)).isoformat(),
        "channel": channel,
    } | fields


async def computed(
    tenant: Tenant, resources: Resources, settings: Settings, body: dict[str, Any]
) -> dict[str, Any]:
    response = await tenant.http.post("/v1/attribution-runs", json=body, headers=tenant.admin)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    run_id = response.json()["id"]
    wc = WorkerContext(settings, resources.engine, resources.sessionmaker, resources.redis)
    for _ in range(2):  # a redelivered job changes nothing the second time
        async with unit_of_work(resources.sessionmaker, None) as uow:
            await run_attribution(uow, wc, uuid.UUID(tenant.id), RunAttribution(run_id=run_id))
    got = await tenant.http.get(response.headers["Location"], headers=tenant.admin)
    assert got.status_code == 200
    result: dict[str, Any] = got.json()
    return result


def by_key(rows: list[dict[str, Any]]) -> dict[str, tuple[float, str]]:
    return {row["key"]: (row["conversions"], row["value"]) for row in rows}


@pytest.fixture
async def journeys(tenant: Tenant) -> factories.Campaign:
    campaign = await factories.campaign(tenant)
    events = [
        # v1: instagram (campaign) then email, then buys for 100.00
        ev("v1", "click", 10, "instagram", campaign_id=campaign["id"]),
        ev("v1", "visit", 5, "email"),
        ev("v1", "purchase", 1, "web", value="100.00"),
        # v2: one search visit, buys for 50.00
        ev("v2", "visit", 3, "search"),
        ev("v2", "purchase", 2, "web", value="50.00"),
        # v3: buys with no touchpoint at all: direct
        ev("v3", "purchase", 1, "web", value="30.00"),
        # v4: an instagram click, no purchase: a path that did not convert
        ev("v4", "click", 4, "instagram", campaign_id=campaign["id"]),
        # v5: its only touchpoint is older than the 30-day lookback: direct
        ev("v5", "click", 45, "email"),
        ev("v5", "purchase", 2, "web", value="20.00"),
        # v6: a cart, not a conversion type of this run
        ev("v6", "add_to_cart", 1, "web", value="10.00"),
    ]
    response = await tenant.http.post("/v1/events", json={"events": events}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return campaign


async def test_every_model_on_hand_built_journeys(
    tenant: Tenant, resources: Resources, settings: Settings, journeys: dict[str, Any]
) -> None:
    run = await computed(
        tenant,
        resources,
        settings,
        {"from": (NOW - timedelta(days=7)).isoformat(), "to": NOW.isoformat()},
    )
    assert run["status"] == "succeeded", run
    assert (run["conversion_count"], run["path_count"]) == (4, 5)
    results = run["results"]
    assert set(results) == {
        "last_touch",
        "first_touch",
        "linear",
        "time_decay",
        "position_based",
        "markov",
        "shapley",
    }
    assert by_key(results["last_touch"]["channel"]) == {
        "direct": (2.0, "50.00"),
        "email": (1.0, "100.00"),
        "search": (1.0, "50.00"),
    }
    assert by_key(results["first_touch"]["channel"])["instagram"] == (1.0, "100.00")
    assert by_key(results["linear"]["channel"]) == {
        "direct": (2.0, "50.00"),
        "search": (1.0, "50.00"),
        "email": (0.5, "50.00"),
        "instagram": (0.5, "50.00"),
    }
    # Time decay, half-life 7 days: instagram 9 days before the purchase, email 4.
    w_ig, w_em = 2 ** (-9 / 7), 2 ** (-4 / 7)
    decay = by_key(results["time_decay"]["channel"])
    assert decay["instagram"][0] == pytest.approx(w_ig / (w_ig + w_em), abs=1e-6)
    # The campaign dimension: v1's instagram click carries the campaign.
    assert by_key(results["first_touch"]["campaign"])[journeys["id"]] == (1.0, "100.00")
    # Every model, every dimension: 4 conversions and 200.00 in all.
    for model, dimensions in results.items():
        for dimension, rows in dimensions.items():
            assert sum(r["conversions"] for r in rows) == pytest.approx(4), (model, dimension)
            assert sum(Decimal(r["value"]) for r in rows) == Decimal("200.00"), (model, dimension)
    # Markov counts v4's path too: start -> instagram 2/3, -> search 1/3; instagram ->
    # email 1/2, -> null 1/2. P(conversion) = 2/3 x 1/2 + 1/3 = 2/3, and 1/3 without
    # any one of the three channels: each removal effect is 0.5, each share a third.
    assert run["removal_effects"] == pytest.approx({"email": 0.5, "instagram": 0.5, "search": 0.5})
    markov = by_key(results["markov"]["channel"])
    assert markov["search"][0] == pytest.approx(2 / 3, abs=1e-6)


async def test_paths_that_did_not_convert_span_the_whole_period(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    """Over 60 days with a 7-day lookback, a visitor who clicked 40 days ago and never
    bought is a path (Markov needs it); one whose click is older than the period's
    start minus the lookback is not."""
    events = [
        ev("buyer", "click", 3, "email"),
        ev("buyer", "purchase", 2, "web", value="10.00"),
        ev("march", "click", 40, "instagram"),
        ev("ancient", "click", 70, "instagram"),
    ]
    response = await tenant.http.post("/v1/events", json={"events": events}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    run = await computed(
        tenant,
        resources,
        settings,
        {
            "from": (NOW - timedelta(days=60)).isoformat(),
            "to": NOW.isoformat(),
            "lookback_days": 7,
            "models": ["markov"],
        },
    )
    assert (run["conversion_count"], run["path_count"]) == (1, 2)
    assert run["removal_effects"] == {"email": 1.0, "instagram": 0.0}


async def test_attribution_completed_is_emitted_once(
    tenant: Tenant, resources: Resources, settings: Settings, journeys: dict[str, Any]
) -> None:
    run = await computed(
        tenant,
        resources,
        settings,
        {
            "from": (NOW - timedelta(days=7)).isoformat(),
            "to": NOW.isoformat(),
            "models": ["markov"],
            "markov_order": 2,
        },
    )
    assert set(run["results"]) == {"markov"}
    sent = len(await outbox_events(resources, tenant.id, "attribution.completed"))
    assert sent == 1


@pytest.mark.parametrize(
    "body",
    [
        {"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
        {
            "from": "2026-11-01T00:00:00Z",
            "to": "2026-11-02T00:00:00Z",
            "conversion_types": ["click"],
        },
        {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z", "models": ["magic"]},
        {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z", "markov_order": 4},
        {"from": "2026-11-01T00:00:00", "to": "2026-11-02T00:00:00Z"},
        {"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z", "lookback_days": 0},
        {"from": "2026-11-01T00:00:00Z"},
    ],
)
async def test_bad_requests_record_nothing(
    tenant: Tenant, resources: Resources, body: dict[str, Any]
) -> None:
    response = await tenant.http.post("/v1/attribution-runs", json=body, headers=tenant.admin)
    assert response.status_code == 422, response.text
    listed = await tenant.http.get("/v1/attribution-runs", headers=tenant.admin)
    assert listed.json()["items"] == []


async def test_a_run_whose_job_failed_for_good_reads_failed(
    tenant: Tenant, resources: Resources
) -> None:
    response = await tenant.http.post(
        "/v1/attribution-runs",
        json={"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"},
        headers=tenant.admin,
    )
    async with resources.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE jobs SET status = 'failed', last_error = 'out of memory', "
                "finished_at = now() WHERE id = (SELECT job_id FROM attribution_runs "
                "WHERE id = :id)"
            ),
            {"id": uuid.UUID(response.json()["id"])},
        )
    got = (await tenant.http.get(response.headers["Location"], headers=tenant.admin)).json()
    assert (got["status"], got["error"]) == ("failed", "out of memory")
    listed = (await tenant.http.get("/v1/attribution-runs", headers=tenant.admin)).json()
    assert [(run["status"], run["error"]) for run in listed["items"]] == [
        ("failed", "out of memory")
    ]


@pytest.mark.parametrize(
    ("currency", "spent", "halves"), [("TND", "12.345", "6.172"), ("JPY", "1501", "750")]
)
async def test_values_are_counted_in_the_minor_units_of_the_workspace_s_currency(
    make_tenant: TenantFactory,
    resources: Resources,
    settings: Settings,
    currency: str,
    spent: str,
    halves: str,
) -> None:
    """Dinars keep their third place and yen have none: the split is exact in the
    currency's own minor unit (issue 17), and written with its places."""
    tenant = await make_tenant(currency=currency)
    events = [
        ev("v1", "visit", 3, "email"),
        ev("v1", "visit", 2, "search"),
        ev("v1", "purchase", 1, "web", value=spent),
    ]
    response = await tenant.http.post("/v1/events", json={"events": events}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    run = await computed(
        tenant,
        resources,
        settings,
        {
            "from": (NOW - timedelta(days=7)).isoformat(),
            "to": NOW.isoformat(),
            "models": ["last_touch", "linear"],
        },
    )
    assert by_key(run["results"]["last_touch"]["channel"]) == {"search": (1.0, spent)}
    linear = by_key(run["results"]["linear"]["channel"])
    assert sorted(value for _, value in linear.values())[0] == halves
    assert sum(Decimal(value) for _, value in linear.values()) == Decimal(spent)
