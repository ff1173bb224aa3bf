"""Issue 17: an A/B test names the variant ahead now (`leader`), significant or not;
`significant` says whether the lead holds, `winner` names it only then."""

from __future__ import annotations

from typing import Any

import pytest

from services.api.state import Resources
from shared.config import Settings
from shared.kpis.formulas import Arm, ratio
from shared.kpis.reports.ab_tests import leader
from tests import factories
from tests.conftest import Tenant, offline_app
from tests.helpers.metrics import ingest, merged, row


def arm(name: str, successes: int, trials: int) -> Arm:
    """An arm as the report builds it."""
    return Arm(name, ratio(successes, trials), successes, trials)


async def ab_test(tenant: Tenant, group: str, **params: str) -> dict[str, Any]:
    response = await tenant.http.get(
        f"/v1/kpis/ab-tests/{group}", params=params, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_the_leader_is_named_before_the_lead_is_significant(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    instagram = await factories.social_account(tenant)
    campaign = await factories.campaign(tenant, objective="traffic")
    clicks = {
        ("hero", "A"): 300,
        ("hero", "B"): 200,
        ("caption", "A"): 100,
        ("caption", "B"): 110,
        ("level", "A"): 150,
        ("level", "B"): 150,
    }
    rows = []
    for (group, variant), count in clicks.items():
        item = await factories.content_item(
            tenant, instagram, campaign_id=campaign["id"], ab_test_group=group, variant=variant
        )
        rows.append(row(item, impressions=10_000, clicks=count))
    sent = await ingest(tenant, rows)
    assert sent.status_code == 202, sent.text
    assert (await merged(tenant, resources, settings, sent.json()))["status"] == "succeeded"

    def verdict(report: dict[str, Any]) -> tuple[Any, ...]:
        return report["leader"], report["winner"], report["significant"]

    assert verdict(await ab_test(tenant, "hero")) == ("A", "A", True)
    # 1.1% against 1.0% (p = 0.49): B leads, nothing is won yet.
    assert verdict(await ab_test(tenant, "caption")) == ("B", None, False)
    assert verdict(await ab_test(tenant, "level")) == (None, None, False)  # a tie
    # No variant reports conversions: no data on the metric, no leader.
    no_data = await ab_test(tenant, "hero", metric="conversion_rate")
    assert verdict(no_data) == (None, None, False)


def test_the_leader_is_documented() -> None:
    schema = offline_app().openapi()["components"]["schemas"]["AbTest"]
    assert "leader" in schema["required"]
    assert "significant" in schema["properties"]["leader"]["description"]


@pytest.mark.parametrize(
    ("arms", "expected"),
    [
        ([], None),
        ([Arm("A", None, 0, 0), Arm("B", None, 0, 0)], None),  # no data
        ([arm("A", 10, 1000), Arm("B", None, 0, 0)], "A"),  # the only one with data
        ([arm("A", 10, 1000), arm("B", 20, 2000)], None),  # level
        ([arm("A", 10, 1000), arm("B", 20, 2000), arm("C", 5, 1000)], None),  # best two level
        ([arm("A", 10, 1000), arm("B", 20, 2000), arm("C", 11, 1000)], "C"),
        ([arm("B", 12, 1000), arm("A", 11, 1000)], "B"),  # not the arms' order
        # Both round to 0.000000 at 6 places: the counts still say who leads.
        ([arm("A", 1, 3_000_001), arm("B", 1, 3_000_000)], "B"),
    ],
)
def test_leader_compares_exact_rates(arms: list[Arm], expected: str | None) -> None:
    assert leader(arms) == expected
