"""The registry and the payload adapters against recorded platform responses
(`tests/fixtures/platforms/metrics`, sources in its SOURCES.md): exact, hand-checked
counters, the reasons for nulls, and shape errors located inside the payload."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.metrics.models import Reason
from shared.platforms.adapters import Adapted, Context, PayloadError, adapt
from shared.platforms.registry import (
    REGISTRY_FILE,
    ObjectType,
    Registry,
    load,
    parse,
    version_key,
)
from shared.social_accounts.models import Platform
from tests.helpers.fake_platform import recorded as payload

PACIFIC = "America/Los_Angeles"
AS_OF = date(2026, 12, 1)

#: (fixture, platform, object type, API version): every recorded metrics payload.
RECORDED = (
    ("instagram_media_v21", "instagram", "media", "v21.0"),
    ("instagram_media_v23", "instagram", "media", "v23.0"),
    ("instagram_reel_v21", "instagram", "media", "v21.0"),
    ("instagram_user_v23_total_value", "instagram", "account", "v23.0"),
    ("instagram_user_v21_day", "instagram", "account", "v21.0"),
    ("facebook_page_v21_day", "facebook", "page", "v21.0"),
    ("facebook_page_v24_day", "facebook", "page", "v24.0"),
    ("facebook_post_v21", "facebook", "post", "v21.0"),
    ("facebook_post_v24", "facebook", "post", "v24.0"),
    ("meta_ads_insights_v23", "facebook", "campaign", "v23.0"),
    ("meta_ads_insights_v23_page2", "facebook", "campaign", "v23.0"),
    ("linkedin_share_statistics_day", "linkedin", "page", "202505"),
    ("linkedin_share_statistics_lifetime", "linkedin", "post", "202505"),
    ("linkedin_share_statistics_lifetime_org", "linkedin", "page", "202505"),
    ("linkedin_ad_analytics_daily", "linkedin", "campaign", "202505"),
    ("tiktok_integrated_report", "tiktok", "campaign", "v1.3"),
    ("tiktok_integrated_report_page2", "tiktok", "campaign", "v1.3"),
    ("youtube_analytics_day", "youtube", "video", "v2"),
)


def read(
    name: str,
    platform: str,
    obj: str,
    version: str,
    timezone: str = PACIFIC,
    as_of: date = AS_OF,
    **extra: Any,
) -> Adapted:
    report = load().report_for(Platform(platform), ObjectType(obj))
    assert report is not None
    return adapt(payload(name), Context(report, version, timezone, as_of, **extra))


def midnight(day: str, timezone: str = PACIFIC) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), ZoneInfo(timezone))


def test_every_mapping_of_the_registry_is_read_from_a_recorded_payload() -> None:
    read_by = {
        (load().report_for(Platform(p), ObjectType(o)).key, metric)  # type: ignore[union-attr]
        for name, p, o, v in RECORDED
        for metric in read(name, p, o, v).read
    }
    mapped = {(r.key, m.name) for r in load().reports for m in r.mapped()}
    assert mapped - read_by == set()
    assert len(mapped) >= 60


def test_instagram_impressions_before_v22_and_views_after_land_on_one_counter() -> None:
    [v21] = read("instagram_media_v21", "instagram", "media", "v21.0").buckets
    [v23] = read("instagram_media_v23", "instagram", "media", "v23.0").buckets
    common = {"reach": 120, "likes": 20, "comments": 4, "shares": 3, "saves": 5}
    assert v21.values == {"impressions": 150, "engagements": 32, **common}
    assert v23.values == {"impressions": 180, "engagements": 32, **common}
    # plays and video_views are retired on every version: null, and why
    assert v21.unreported == v23.unreported == {"video_views": Reason.deprecated}
    assert v21.lifetime
    assert v21.period_start == midnight("2026-12-01")


def test_a_metric_still_reported_on_its_version_and_day_is_not_provided_not_deprecated() -> None:
    [before] = read(
        "instagram_media_v21", "instagram", "media", "v21.0", as_of=date(2025, 1, 1)
    ).buckets
    assert before.unreported == {"video_views": Reason.not_provided}  # plays, until Apr 2025


def test_a_reel_before_v22_counts_plays_as_video_views() -> None:
    adapted = read("instagram_reel_v21", "instagram", "media", "v21.0")
    [bucket] = adapted.buckets
    assert bucket.values == {
        "reach": 90,
        "likes": 12,
        "comments": 3,
        "shares": 2,
        "saves": 4,
        "video_views": 120,
    }
    # impressions retired, views not yet on v21; engagements is the sum of its four parts
    assert bucket.unreported == {"impressions": Reason.deprecated}
    assert adapted.ignored == ("ig_reels_avg_watch_time",)  # an average: never summed


def test_instagram_account_totals_and_daily_series() -> None:
    [total] = read("instagram_user_v23_total_value", "instagram", "account", "v23.0").buckets
    assert total.values == {
        "impressions": 500,
        "reach": 300,
        "engagements": 55,
        "likes": 30,
        "comments": 8,
        "shares": 5,
        "saves": 12,
    }
    daily = read("instagram_user_v21_day", "instagram", "account", "v21.0").buckets
    # end_time 2025-01-15T08:00:00+0000 closes the Pacific day of 14 January
    assert [(b.period_start, b.values) for b in daily] == [
        (midnight("2025-01-14"), {"impressions": 40, "reach": 30}),
        (midnight("2025-01-15"), {"impressions": 60, "reach": 45}),
    ]
    assert not any(b.lifetime for b in daily)


def test_facebook_page_impressions_and_page_media_view_land_on_one_counter() -> None:
    old = read("facebook_page_v21_day", "facebook", "page", "v21.0").buckets
    new = read("facebook_page_v24_day", "facebook", "page", "v24.0").buckets
    assert [b.values for b in old] == [
        {"impressions": 100, "reach": 70, "engagements": 12},
        {"impressions": 140, "reach": 90, "engagements": 18},
    ]
    assert [b.values for b in new] == [
        {"impressions": 130, "reach": 80, "engagements": 12},
        {"impressions": 170, "reach": 95, "engagements": 18},
    ]
    assert [b.period_start for b in new] == [midnight("2025-12-01"), midnight("2025-12-02")]


def test_a_page_report_without_a_retired_metric_says_it_is_deprecated() -> None:
    body = {
        "data": [d for d in payload("facebook_page_v21_day")["data"] if "unique" not in d["name"]]
    }
    report = load().report_for(Platform.facebook, ObjectType.page)
    assert report is not None
    later = adapt(body, Context(report, "v21.0", PACIFIC, AS_OF))
    # reach's metrics: page_impressions_unique retired 2026-06-15; its replacement is current
    assert later.buckets[0].unreported == {"reach": Reason.not_provided}
    report_day = date(2026, 7, 1)
    [metric] = [m for m in report.metrics if m.name == "page_impressions_unique"]
    assert not metric.reported_by("v21.0", report_day)


def test_facebook_post_reactions_are_summed_by_type() -> None:
    [old] = read("facebook_post_v21", "facebook", "post", "v21.0").buckets
    [new] = read("facebook_post_v24", "facebook", "post", "v24.0").buckets
    assert old.values == {"impressions": 300, "reach": 220, "clicks": 15, "likes": 13}
    assert new.values == {"impressions": 320, "reach": 230, "clicks": 16, "likes": 14}


def test_meta_ads_strings_actions_and_values_per_day_in_the_accounts_zone() -> None:
    adapted = read("meta_ads_insights_v23", "facebook", "campaign", "v23.0")
    assert adapted.currency == "USD"
    first, second = adapted.buckets
    assert first.period_start == midnight("2025-03-01")
    assert first.values == {
        "impressions": 1000,
        "reach": 800,
        "clicks": 40,
        "spend": Decimal("25.45"),
        "engagements": 45,
        "leads": 5,
        "conversions": 3,
        "video_views": 200,
        "conversion_value": Decimal("89.97"),
    }
    assert second.values["spend"] == Decimal("30.25")
    assert second.values["conversion_value"] == Decimal("69.98")


def test_meta_ads_attribution_window_reads_its_own_key() -> None:
    default = read("meta_ads_insights_v23_page2", "facebook", "campaign", "v23.0")
    windowed = read(
        "meta_ads_insights_v23_page2", "facebook", "campaign", "v23.0", window="1d_click"
    )
    assert [b.values["leads"] for b in default.buckets] == [1, 2]
    lead_1d = [
        int(action.get("1d_click", 0))
        for row in payload("meta_ads_insights_v23_page2")["data"]
        for action in row.get("actions", [])
        if action["action_type"] == "lead"
    ]
    assert [b.values["leads"] for b in windowed.buckets] == lead_1d
    # no purchase on a day that spent: Meta leaves the action type out, and it counts 0
    assert default.buckets[0].values["conversions"] == 0
    assert default.buckets[0].values["conversion_value"] == 0
    assert "conversions" not in default.buckets[0].unreported


def test_linkedin_daily_and_lifetime_share_statistics() -> None:
    daily = read("linkedin_share_statistics_day", "linkedin", "page", "202505", "UTC").buckets
    assert [(b.period_start, b.values) for b in daily] == [
        (
            midnight("2025-03-01", "UTC"),
            {
                "impressions": 200,
                "reach": 150,
                "clicks": 10,
                "likes": 6,
                "comments": 2,
                "shares": 2,
            },
        ),
        (
            midnight("2025-03-02", "UTC"),
            {"impressions": 250, "clicks": 12, "likes": 5, "comments": 2, "shares": 1},
        ),
    ]
    assert daily[1].unreported == {"reach": Reason.not_provided}
    [total] = read("linkedin_share_statistics_lifetime", "linkedin", "post", "202505").buckets
    assert total.lifetime
    assert total.values == {
        "impressions": 400,
        "reach": 310,
        "clicks": 20,
        "likes": 12,
        "comments": 5,
        "shares": 3,
    }


def test_linkedin_ad_analytics_costs_as_decimals() -> None:
    buckets = read("linkedin_ad_analytics_daily", "linkedin", "campaign", "202505").buckets
    assert [b.values["spend"] for b in buckets] == [Decimal("42.17"), Decimal("57.83")]
    assert buckets[0].values == {
        "impressions": 1000,
        "reach": 700,
        "clicks": 25,
        "likes": 8,
        "comments": 2,
        "shares": 1,
        "video_views": 120,
        "leads": 1,
        "conversions": 3,
        "spend": Decimal("42.17"),
    }


def test_tiktok_report_and_its_error_envelope() -> None:
    first, second = read("tiktok_integrated_report", "tiktok", "campaign", "v1.3").buckets
    assert first.values == {
        "impressions": 2000,
        "reach": 1500,
        "clicks": 40,
        "spend": Decimal("20.00"),
        "conversions": 2,
        "likes": 30,
        "comments": 4,
        "shares": 2,
        "video_views": 1200,
    }
    assert second.values["spend"] == Decimal("15.50")
    with pytest.raises(PayloadError) as refused:
        read("tiktok_error_token", "tiktok", "campaign", "v1.3")
    assert refused.value.loc == ("code",)
    assert "40105" in refused.value.message


def test_tiktok_blank_figures_are_not_reported() -> None:
    body = payload("tiktok_integrated_report")
    body["data"]["list"][0]["metrics"]["reach"] = "-"
    report = load().report_for(Platform.tiktok, ObjectType.campaign)
    assert report is not None
    first = adapt(body, Context(report, "v1.3", PACIFIC, AS_OF)).buckets[0]
    assert "reach" not in first.values
    assert first.unreported == {"reach": Reason.not_provided}


def test_youtube_rows_by_header_order() -> None:
    adapted = read("youtube_analytics_day", "youtube", "video", "v2")
    assert [b.values for b in adapted.buckets] == [
        {"video_views": 120, "likes": 10, "comments": 3, "shares": 2},
        {"video_views": 180, "likes": 15, "comments": 5, "shares": 1},
    ]
    assert adapted.ignored == ("estimatedMinutesWatched", "subscribersGained")


@pytest.mark.parametrize(
    ("name", "platform", "obj", "mutate", "loc"),
    [
        (
            "instagram_media_v23",
            "instagram",
            "media",
            lambda p: p["data"][2]["values"][0].update(value="many"),
            ("data", 2, "values", 0, "value"),
        ),
        (
            "instagram_user_v21_day",
            "instagram",
            "account",
            lambda p: p["data"][0]["values"][1].update(end_time="yesterday"),
            ("data", 0, "values", 1, "end_time"),
        ),
        (
            "meta_ads_insights_v23",
            "facebook",
            "campaign",
            lambda p: p["data"][1].update(date_stop="2025-03-09"),
            ("data", 1, "date_stop"),
        ),
        (
            "meta_ads_insights_v23",
            "facebook",
            "campaign",
            lambda p: p["data"][0]["actions"][0].pop("action_type"),
            ("data", 0, "actions", 0, "action_type"),
        ),
        (
            "meta_ads_insights_v23",
            "facebook",
            "campaign",
            lambda p: p["data"][0].update(spend="-3"),
            ("data", 0, "spend"),
        ),
        (
            "youtube_analytics_day",
            "youtube",
            "video",
            lambda p: p["rows"][1].pop(),
            ("rows", 1),
        ),
        (
            "linkedin_ad_analytics_daily",
            "linkedin",
            "campaign",
            lambda p: p["elements"][0]["dateRange"]["start"].update(month=13),
            ("elements", 0, "dateRange", "start"),
        ),
        ("facebook_post_v21", "facebook", "post", lambda p: p.pop("data"), ("data",)),
    ],
)
def test_a_broken_payload_is_refused_at_its_place(
    name: str, platform: str, obj: str, mutate: Any, loc: tuple[Any, ...]
) -> None:
    body = payload(name)
    mutate(body)
    report = load().report_for(Platform(platform), ObjectType(obj))
    assert report is not None
    version = "v2" if platform == "youtube" else "202505" if platform == "linkedin" else "v23.0"
    with pytest.raises(PayloadError) as refused:
        adapt(body, Context(report, version, PACIFIC, AS_OF))
    assert refused.value.loc == loc


def test_versions_compare_in_each_platforms_style() -> None:
    assert version_key("v21.0") < version_key("v22.0") < version_key("v100.0")
    assert version_key("202505") < version_key("202601")
    assert version_key("v1.3") == (1, 3)
    with pytest.raises(ValueError, match="not an API version"):
        version_key("latest")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('counter = "saves"', 'counter = "bookmarks"'), "no canonical counter"),
        (
            lambda t: t.replace('replaced_by = "views"', 'replaced_by = "watch"', 1),
            "unknown metric",
        ),
        (
            lambda t: t.replace('objects = ["page"]', 'objects = ["page", "post"]', 1),
            "read by both",
        ),
        (
            lambda t: t.replace('since = "v22.0"', 'since = "v22.0"\nuntil = "v20.0"', 1),
            "is after until",
        ),
        (lambda t: t.replace('unit = "money"', 'unit = "count"', 1), "money lands on"),
    ],
)
def test_a_broken_registry_fails_at_load(edit: Any, message: str) -> None:
    text = REGISTRY_FILE.read_text()
    assert isinstance(parse(text), Registry)
    with pytest.raises(ValueError, match=message):
        parse(edit(text))


def test_a_daily_report_reads_the_day_figures_not_the_week_or_28_days() -> None:
    body = payload("facebook_page_v21_day")
    first = body["data"][0]
    for period, value in (("week", 700), ("days_28", 2800)):
        body["data"].append(
            first | {"period": period, "values": [{**first["values"][0], "value": value}]}
        )
    report = load().report_for(Platform.facebook, ObjectType.page)
    assert report is not None
    buckets = adapt(body, Context(report, "v21.0", PACIFIC, AS_OF)).buckets
    assert [b.values["impressions"] for b in buckets] == [100, 140]


def test_unmapped_metrics_are_not_parsed_at_all() -> None:
    body = payload("instagram_reel_v21")
    body["data"].append(
        {"name": "ig_reels_avg_watch_time", "period": "lifetime", "values": [{"value": 12.5}]}
    )
    body["data"].append({"name": "follower_demographics", "period": "lifetime", "total_value": {}})
    report = load().report_for(Platform.instagram, ObjectType.media)
    assert report is not None
    [bucket] = adapt(body, Context(report, "v21.0", PACIFIC, AS_OF)).buckets
    assert bucket.values["video_views"] == 120


@pytest.mark.parametrize(
    ("name", "platform", "mutate", "loc"),
    [
        (  # rows of two campaigns would be added into one target
            "meta_ads_insights_v23",
            "facebook",
            lambda p: p["data"][1].update(campaign_id="another"),
            ("data", 1, "campaign_id"),
        ),
        (
            "tiktok_integrated_report",
            "tiktok",
            lambda p: p["data"]["list"][1]["dimensions"].update(campaign_id="another"),
            ("data", "list", 1, "dimensions", "campaign_id"),
        ),
        (  # a figure no platform reports, and that would take seconds to convert
            "meta_ads_insights_v23",
            "facebook",
            lambda p: p["data"][0].update(impressions="1e1000000"),
            ("data", 0, "impressions"),
        ),
        (
            "linkedin_ad_analytics_daily",
            "linkedin",
            lambda p: p["elements"][0]["dateRange"]["start"].update(year=10**20),
            ("elements", 0, "dateRange", "start"),
        ),
        (
            "linkedin_ad_analytics_daily",
            "linkedin",
            lambda p: p["elements"][0]["dateRange"]["start"].update(month=True),
            ("elements", 0, "dateRange", "start", "month"),
        ),
        (
            "linkedin_ad_analytics_daily",
            "linkedin",
            lambda p: p["elements"][0]["dateRange"]["end"].update(day=9),
            ("elements", 0, "dateRange", "end"),
        ),
        (
            "linkedin_share_statistics_day",
            "linkedin",
            lambda p: p["elements"][0]["timeRange"].update(start=10**20),
            ("elements", 0, "timeRange", "start"),
        ),
    ],
)
def test_payloads_that_would_mislead_or_overflow_are_refused_at_their_place(
    name: str, platform: str, mutate: Any, loc: tuple[Any, ...]
) -> None:
    body = payload(name)
    mutate(body)
    obj = ObjectType.page if "share_statistics" in name else ObjectType.campaign
    report = load().report_for(Platform(platform), obj)
    assert report is not None
    version = "202505" if platform == "linkedin" else "v1.3" if platform == "tiktok" else "v23.0"
    with pytest.raises(PayloadError) as refused:
        adapt(body, Context(report, version, PACIFIC, AS_OF))
    assert refused.value.loc == loc


def test_the_replacement_wins_over_what_it_replaced_when_both_are_there() -> None:
    body = payload("facebook_page_v21_day")  # January 2025: page_impressions still reported
    old = body["data"][0]
    body["data"].insert(
        0, old | {"name": "page_media_view", "values": [{**v, "value": 7} for v in old["values"]]}
    )
    report = load().report_for(Platform.facebook, ObjectType.page)
    assert report is not None
    buckets = adapt(body, Context(report, "v21.0", PACIFIC, AS_OF)).buckets
    assert [b.values["impressions"] for b in buckets] == [7, 7]  # page_media_view's
