"""The content workflow and which formats each platform has (pure: no database, no
network)."""

from __future__ import annotations

import pytest

from shared.content import rules as content_rules
from shared.content.models import ContentFormat, ContentStatus
from shared.social_accounts.models import Platform


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        ("draft", "in_review", True),
        ("in_review", "approved", True),
        ("in_review", "rejected", True),
        ("rejected", "draft", True),
        ("approved", "scheduled", True),
        ("scheduled", "approved", True),
        ("scheduled", "publishing", True),
        ("publishing", "published", True),
        ("published", "archived", True),
        ("scheduled", "on_hold", True),
        ("on_hold", "scheduled", True),
        ("draft", "approved", False),
        ("rejected", "approved", False),
        ("approved", "published", False),
        ("published", "draft", False),
        ("archived", "draft", False),
        ("draft", "on_hold", False),
    ],
)
def test_content_workflow(current: str, target: str, ok: bool) -> None:
    assert content_rules.allowed(ContentStatus(current), ContentStatus(target)) is ok


def test_every_content_status_has_a_row() -> None:
    assert set(content_rules.TRANSITIONS) == set(ContentStatus)


@pytest.mark.parametrize(
    ("fmt", "platform", "ok"),
    [
        ("story", "instagram", True),
        ("story", "linkedin", False),
        ("story", "x", False),
        ("reel", "instagram", True),
        ("reel", "tiktok", False),
        ("article", "linkedin", True),
        ("article", "tiktok", False),
        ("post", "pinterest", True),
        ("short_video", "youtube", True),
    ],
)
def test_formats_exist_only_where_platforms_have_them(fmt: str, platform: str, ok: bool) -> None:
    assert content_rules.format_fits(ContentFormat(fmt), Platform(platform)) is ok
