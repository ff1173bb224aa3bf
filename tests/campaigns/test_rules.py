"""The campaign status machine (pure: no database, no network)."""

from __future__ import annotations

import pytest

from shared.campaigns import rules as campaign_rules
from shared.campaigns.models import CampaignStatus


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        ("draft", "scheduled", True),
        ("scheduled", "active", True),
        ("active", "paused", True),
        ("paused", "active", True),
        ("paused", "completed", True),
        ("completed", "archived", True),
        ("draft", "archived", True),
        ("scheduled", "archived", True),
        ("paused", "archived", True),
        ("draft", "active", False),
        ("active", "archived", False),
        ("completed", "active", False),
        ("archived", "draft", False),
        ("active", "scheduled", False),
    ],
)
def test_campaign_status_machine(current: str, target: str, ok: bool) -> None:
    assert campaign_rules.allowed(CampaignStatus(current), CampaignStatus(target)) is ok


def test_every_campaign_status_has_a_row() -> None:
    assert set(campaign_rules.TRANSITIONS) == set(CampaignStatus)
