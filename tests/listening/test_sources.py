"""LIS-1 sources: each platform's page, as recorded from the platform
(tests/fixtures/platforms/listening/SOURCES.md), becomes the mentions ingestion takes, and
a payload of another shape names the place that broke. Pure: no database, no network."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.errors import FieldError
from shared.listening.schemas import MentionIn
from shared.listening.sentiment import Language
from shared.listening.sources import (
    ADAPTERS,
    MAX_TEXT,
    SourcePage,
    SourceShapeError,
    reddit_listing,
    x_recent_search,
    youtube_comment_threads,
)
from shared.social_accounts.models import Platform

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "listening"


def load(name: str) -> dict[str, Any]:
    """A fresh copy each time: tests edit what they load."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def summary(page: SourcePage) -> list[tuple[Any, ...]]:
    return [
        (m.external_id, m.author_handle, m.author_followers, m.posted_at, m.language, m.url)
        for m in page.mentions
    ]


def shape_error(adapter: Callable[[Any], SourcePage], payload: Any) -> SourceShapeError:
    with pytest.raises(SourceShapeError) as caught:
        adapter(payload)
    return caught.value


# --- X --------------------------------------------------------------------------------


def test_x_recent_search_maps_each_post_with_its_expanded_author() -> None:
    page = x_recent_search(load("x_recent_search"))

    assert page.next_page == "b26v89c19zqg8o3fpdg86rmb92nr5hjc8m6lnyhfcre65"
    assert summary(page) == [
        (
            "1403854568774066181",
            "@lectrice_paris",
            131,
            at("2021-06-12T23:19:46"),
            Language.fr,
            "https://x.com/lectrice_paris/status/1403854568774066181",
        ),
        (
            "1403848628733505536",
            "@reader_jp",
            12,
            at("2021-06-12T22:56:09"),
            None,  # lang "ja"
            "https://x.com/reader_jp/status/1403848628733505536",
        ),
        (
            "1403844433381036038",
            "@reader_us",
            596,
            at("2021-06-12T22:39:29"),
            None,  # lang "und"
            "https://x.com/reader_us/status/1403844433381036038",
        ),
        (
            "1403830720041295878",
            "@wellness_org",
            556,
            at("2021-06-12T21:45:00"),
            Language.en,
            "https://x.com/wellness_org/status/1403830720041295878",
        ),
        (
            "1403819523799719936",
            "@health_org",
            5566,
            at("2021-06-12T21:00:30"),
            Language.en,
            "https://x.com/health_org/status/1403819523799719936",
        ),
    ]
    assert all(m.platform is Platform.x and m.sentiment is None for m in page.mentions)
    assert all(m.posted_at.utcoffset() == timedelta(0) for m in page.mentions)


def test_x_text_is_what_the_author_typed() -> None:
    """X escapes `&`, `<` and `>` in `text`; the mention holds the characters."""
    texts = [m.text for m in x_recent_search(load("x_recent_search")).mentions]

    assert texts[0] == (
        "@un_abonne Ca ne changera rien mais bon…le vaers est un site de déclaration "
        "volontaire. Il n\u2019y a aucun lien de causalité établi avec le vaccin dans la majorité "
        "des cas déclarés, qui ont eu lieu suite au vaccin et non à cause du vaccin\n\n"
        "https://t.co/65QasnldqB"
    )
    assert texts[1].endswith("②ワクチン接種者から成分が放出(shedding)されるのか\uff1f\n<続く>")
    assert texts[2] == "https://t.co/kgRNs3ItAq https://t.co/fquizCeKRq"
    assert texts[4] == (
        "COVID-19 vaccines will help protect you against COVID19. Side effects are a normal "
        "sign that your body is building protection. These can include pain & swelling in "
        "the arm where you received the shot as well as  fever, chills, tiredness, & "
        "headache.\nhttps://t.co/4TpvKq8oAq https://t.co/GN2bOM0Vas"
    )


def test_x_entities_are_unescaped_once() -> None:
    payload = load("x_recent_search")
    payload["data"][3]["text"] = "a &amp;lt; b &lt;3 &gt; c &amp;amp; &eacute;"

    assert x_recent_search(payload).mentions[3].text == "a &lt; b <3 > c &amp; &eacute;"


def test_x_page_without_matches_is_empty_and_last() -> None:
    """X's body when nothing matched: no `data`, no `includes`, no `next_token`
    (academictwitteR's recording search/all-b749d4.R)."""
    page = x_recent_search({"meta": {"result_count": 0}})

    assert page == SourcePage([], None)


def test_x_without_the_requested_fields_names_the_first_missing_one() -> None:
    """tweepy's recorded recent search with default fields: no `created_at`."""
    error = shape_error(x_recent_search, load("x_recent_search_default_fields"))

    assert error.location == ("data", 0, "created_at")
    assert error.message == "missing"


def test_x_post_whose_author_was_not_expanded() -> None:
    payload = load("x_recent_search")
    del payload["includes"]["users"][3]  # wellness_org, author of data[3]

    error = shape_error(x_recent_search, payload)

    assert error.location == ("data", 3, "author_id")
    assert "includes.users" in error.message


def _x_without_created_at(p: dict[str, Any]) -> None:
    del p["data"][2]["created_at"]


def _x_with_v1_date(p: dict[str, Any]) -> None:
    p["data"][1]["created_at"] = "Sat Jun 12 22:56:09 +0000 2021"


def _x_with_naive_date(p: dict[str, Any]) -> None:
    p["data"][4]["created_at"] = "2021-06-12T21:00:30"


def _x_with_numeric_id(p: dict[str, Any]) -> None:
    p["data"][0]["id"] = 1403854568774066181


def _x_with_data_object(p: dict[str, Any]) -> None:
    p["data"] = {"id": "1"}


def _x_with_followers_text(p: dict[str, Any]) -> None:
    p["includes"]["users"][2]["public_metrics"]["followers_count"] = "596"


def _x_with_negative_followers(p: dict[str, Any]) -> None:
    p["includes"]["users"][2]["public_metrics"]["followers_count"] = -1


def _x_with_user_without_username(p: dict[str, Any]) -> None:
    del p["includes"]["users"][1]["username"]


def _x_with_numeric_lang(p: dict[str, Any]) -> None:
    p["data"][0]["lang"] = 1


def _x_with_next_token_number(p: dict[str, Any]) -> None:
    p["meta"]["next_token"] = 7


def _x_without_meta(p: dict[str, Any]) -> None:
    del p["meta"]


@pytest.mark.parametrize(
    ("edit", "location"),
    [
        (_x_without_created_at, ("data", 2, "created_at")),
        (_x_with_v1_date, ("data", 1, "created_at")),
        (_x_with_naive_date, ("data", 4, "created_at")),
        (_x_with_numeric_id, ("data", 0, "id")),
        (_x_with_data_object, ("data",)),
        (_x_with_followers_text, ("includes", "users", 2, "public_metrics", "followers_count")),
        (
            _x_with_negative_followers,
            ("includes", "users", 2, "public_metrics", "followers_count"),
        ),
        (_x_with_user_without_username, ("includes", "users", 1, "username")),
        (_x_with_numeric_lang, ("data", 0, "lang")),
        (_x_with_next_token_number, ("meta", "next_token")),
        (_x_without_meta, ("meta",)),
    ],
)
def test_x_shape_errors_name_their_place(
    edit: Callable[[dict[str, Any]], None], location: tuple[str | int, ...]
) -> None:
    payload = load("x_recent_search")
    edit(payload)

    assert shape_error(x_recent_search, payload).location == location


# --- YouTube --------------------------------------------------------------------------


def test_youtube_comment_threads_map_each_top_level_comment() -> None:
    page = youtube_comment_threads(load("youtube_comment_threads"))

    assert page.next_page == (
        "QURTSl9pMzdZOUVzMkI0czlmRmNjSVBPcTBTdzVzajUydDVnbE5SNElWS0l5WU12amYweVotdzF5c1hT"
        "NmxzUmVIcEZXbmVEVFMzNVJmWk82TVVwUlB2LWh5aUpOQlA5TGQzTWZEcHlTeTd2dlNGRUFZaVF0cmtJ"
        "d01BTHlnOG0="
    )
    assert summary(page) == [
        (
            "UgyZ1jqkHKYvi1-ruOZ4AaABAg",
            "Viewer One",
            0,
            at("2019-11-26T15:51:44"),
            None,
            "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg",
        ),
        (
            "Ugy4OzAuz5uJuFt3FH54AaABAg",
            "Viewer Two",
            0,
            at("2019-11-21T19:18:39"),
            None,
            "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=Ugy4OzAuz5uJuFt3FH54AaABAg",
        ),
        (
            "UgysQP-vp089eFP0Stl4AaABAg",
            "Viewer Three",
            0,
            at("2019-11-17T11:34:48"),
            None,
            "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgysQP-vp089eFP0Stl4AaABAg",
        ),
    ]
    assert [m.text for m in page.mentions] == [
        "Google.com",  # textOriginal, not the HTML textDisplay
        "Please use CLS on your own search results page..",
        "Funny that they use heroku to show a demo instead of google cloud",
    ]
    assert all(m.platform is Platform.youtube for m in page.mentions)


def test_youtube_channel_discussion_has_no_watch_url_and_no_next_page() -> None:
    page = youtube_comment_threads(load("youtube_comment_threads_channel"))

    assert page.next_page is None
    assert [(m.external_id, m.author_handle, m.text, m.url) for m in page.mentions] == [
        (
            "UgyWeTdgc4sc1xgmbld4AaABAg",
            "Viewer Four",
            "Hope to go next time. yah!",
            "https://www.youtube.com/watch?v=JE8xdDp5B8Q&lc=UgyWeTdgc4sc1xgmbld4AaABAg",
        ),
        ("Ugy0FhSzKMNMT9qs6zt4AaABAg", "Viewer Five", "大满贯", None),
    ]
    assert page.mentions[1].posted_at == at("2019-11-29T02:58:25")


def test_youtube_falls_back_to_text_display_as_text() -> None:
    """`textOriginal` is only guaranteed to the comment's author."""
    payload = load("youtube_comment_threads")
    del payload["items"][0]["snippet"]["topLevelComment"]["snippet"]["textOriginal"]
    second = payload["items"][1]["snippet"]["topLevelComment"]["snippet"]
    del second["textOriginal"]
    second["textDisplay"] = "It&#39;s <b>great</b><br>&quot;really&quot; &amp; more"

    texts = [m.text for m in youtube_comment_threads(payload).mentions]

    assert texts[:2] == ["Google.com", 'It\'s great\n"really" & more']


def test_youtube_author_without_a_name_is_its_channel_id() -> None:
    payload = load("youtube_comment_threads")
    payload["items"][2]["snippet"]["topLevelComment"]["snippet"]["authorDisplayName"] = ""

    mention = youtube_comment_threads(payload).mentions[2]

    assert mention.author_handle == "UCzZ87J8wYVpOADFviqyFKhw"


def _yt_comment(p: dict[str, Any], index: int) -> dict[str, Any]:
    snippet: dict[str, Any] = p["items"][index]["snippet"]["topLevelComment"]["snippet"]
    return snippet


def _yt_without_published_at(p: dict[str, Any]) -> None:
    del _yt_comment(p, 1)["publishedAt"]


def _yt_with_naive_published_at(p: dict[str, Any]) -> None:
    _yt_comment(p, 0)["publishedAt"] = "2019-11-26 15:51:44"


def _yt_without_top_level_comment(p: dict[str, Any]) -> None:
    del p["items"][2]["snippet"]["topLevelComment"]


def _yt_with_other_item_kind(p: dict[str, Any]) -> None:
    p["items"][1]["kind"] = "youtube#searchResult"


def _yt_with_numeric_text(p: dict[str, Any]) -> None:
    _yt_comment(p, 2)["textOriginal"] = 42


def _yt_nameless_without_channel(p: dict[str, Any]) -> None:
    _yt_comment(p, 0)["authorDisplayName"] = ""
    del _yt_comment(p, 0)["authorChannelId"]


def _yt_with_items_object(p: dict[str, Any]) -> None:
    p["items"] = {}


def _yt_of_another_kind(p: dict[str, Any]) -> None:
    p["kind"] = "youtube#commentListResponse"


COMMENT: tuple[str, ...] = ("snippet", "topLevelComment", "snippet")


@pytest.mark.parametrize(
    ("edit", "location"),
    [
        (_yt_without_published_at, ("items", 1, *COMMENT, "publishedAt")),
        (_yt_with_naive_published_at, ("items", 0, *COMMENT, "publishedAt")),
        (_yt_without_top_level_comment, ("items", 2, "snippet", "topLevelComment")),
        (_yt_with_other_item_kind, ("items", 1, "kind")),
        (_yt_with_numeric_text, ("items", 2, *COMMENT, "textOriginal")),
        (_yt_nameless_without_channel, ("items", 0, *COMMENT, "authorChannelId")),
        (_yt_with_items_object, ("items",)),
        (_yt_of_another_kind, ("kind",)),
    ],
)
def test_youtube_shape_errors_name_their_place(
    edit: Callable[[dict[str, Any]], None], location: tuple[str | int, ...]
) -> None:
    payload = load("youtube_comment_threads")
    edit(payload)

    assert shape_error(youtube_comment_threads, payload).location == location


# --- Reddit ---------------------------------------------------------------------------


def test_reddit_listing_maps_posts_and_comments() -> None:
    page = reddit_listing(load("reddit_listing"))

    assert page.next_page == "t1_mzqqmaw"
    assert summary(page) == [
        (
            "t1_oprhecj",
            "u/spez",
            0,
            at("2026-06-04T18:47:51"),
            None,
            "https://www.reddit.com/r/RDDT/comments/1tvs5jj/steve_jen_and_drew_here_ask_us_anything/oprhecj/",
        ),
        (
            "t1_opmb3vk",
            "u/spez",
            0,
            at("2026-06-04T00:26:23"),
            None,
            "https://www.reddit.com/r/RDDT/comments/1tvs5jj/steve_jen_and_drew_here_ask_us_anything/opmb3vk/",
        ),
        (
            "t3_1tvsa59",
            "u/spez",
            0,
            at("2026-06-03T15:11:07"),
            None,
            "https://www.reddit.com/r/redditstock/comments/1tvsa59/hi_redditstock_leave_your_questions_and_well_be/",
        ),
        (
            "t3_1t4nr7v",
            "u/spez",
            0,
            at("2026-05-05T18:19:02"),
            None,
            "https://www.reddit.com/r/u_spez/comments/1t4nr7v/reddit_looked_old_the_day_it_was_born_i_joined_my/",
        ),
    ]
    assert [m.text for m in page.mentions] == [
        "That is obviously where this is all heading.",
        "Noted. Let me see what that would take.",
        "Hi redditstock, leave your questions, and we\u2019ll be back later today to answer them.",
        "Reddit looked old the day it was born. I joined my friend D. Scott Phoenix on the "
        "Progress podcast to discuss communities, AI, and what makes the internet feel "
        "human.\n\nhttps://reddit.com/link/1t4nr7v/video/v3crs8lt1dzg1/player\n\nWatch the "
        "full episode here: [https://youtu.be/eAu9gTilxA0](https://youtu.be/eAu9gTilxA0)",
    ]
    assert all(m.platform is Platform.reddit and m.language is None for m in page.mentions)


def test_reddit_posts_leave_out_deleted_ones_and_blank_self_text() -> None:
    page = reddit_listing(load("reddit_posts_listing"))

    assert page.next_page == "t3_bekeb1"
    assert [(m.external_id, m.author_handle, m.posted_at) for m in page.mentions] == [
        ("t3_99eh6b", "u/neutral_poster", at("2018-08-22T15:50:56")),
        ("t3_ecscwk", "u/another_poster", at("2019-12-19T12:10:59")),
        # t3_61pa9g, author "[deleted]", is left out
        ("t3_3cucye", "u/samaltman", at("2015-07-10T21:14:50")),
    ]
    texts = [m.text for m in page.mentions]
    assert texts[0] == "Without saying what the category is, what are your top five?"  # " "
    assert texts[1] == "What free things online should everyone take advantage of?"
    assert texts[2].startswith(
        "An old team at reddit\n\nEllen Pao resigned from reddit today by mutual agreement."
    )
    assert page.mentions[2].url == (
        "https://www.reddit.com/r/announcements/comments/3cucye/an_old_team_at_reddit/"
    )


def test_reddit_comment_listing() -> None:
    page = reddit_listing(load("reddit_comments"))

    assert page.next_page == "t1_k3uzsxu"
    assert [
        (m.external_id, m.author_handle, m.text, m.posted_at, m.url) for m in page.mentions
    ] == [
        (
            "t1_k3yrfii",
            "u/neutral_commenter",
            "Did it work?",
            at("2023-10-08T08:46:08"),
            "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/agi5zf/<TEST_SUBREDDIT>/k3yrfii/",
        ),
        (
            "t1_k3wt835",
            "u/second_commenter",
            "aaa",
            at("2023-10-07T22:10:11"),
            "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/172idw2/<TEST_SUBREDDIT>/k3wt835/",
        ),
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("body", "[removed]"), ("body", "[deleted]"), ("author", "[deleted]"), ("body", " \n")],
)
def test_reddit_comment_gone_or_empty_is_left_out(field: str, value: str) -> None:
    payload = load("reddit_comments")
    payload["data"]["children"][0]["data"][field] = value

    assert [m.external_id for m in reddit_listing(payload).mentions] == ["t1_k3wt835"]


def test_reddit_post_whose_self_text_was_removed_is_left_out() -> None:
    payload = load("reddit_listing")
    payload["data"]["children"][3]["data"]["selftext"] = "[removed]"

    ids = [m.external_id for m in reddit_listing(payload).mentions]

    assert ids == ["t1_oprhecj", "t1_opmb3vk", "t3_1tvsa59"]


def test_reddit_other_kinds_are_not_mentions() -> None:
    payload = load("reddit_comments")
    payload["data"]["children"].insert(1, {"kind": "t5", "data": {"name": "t5_2qh1i"}})

    assert [m.external_id for m in reddit_listing(payload).mentions] == [
        "t1_k3yrfii",
        "t1_k3wt835",
    ]


def test_reddit_post_and_comment_with_the_same_base36_id_stay_apart() -> None:
    """Posts and comments are numbered apart: the fullname keeps them apart."""
    payload = load("reddit_listing")
    comment, post = payload["data"]["children"][0]["data"], payload["data"]["children"][2]["data"]
    comment["id"], comment["name"] = post["id"], f"t1_{post['id']}"

    ids = [m.external_id for m in reddit_listing(payload).mentions]

    assert ids[0] == "t1_1tvsa59"
    assert ids[2] == "t3_1tvsa59"
    assert len(set(ids)) == len(ids)


def test_reddit_external_ids_are_unique_across_recorded_listings() -> None:
    ids = [
        m.external_id
        for name in ("reddit_listing", "reddit_posts_listing", "reddit_comments")
        for m in reddit_listing(load(name)).mentions
    ]

    assert len(ids) == len(set(ids)) == 9
    assert all(i.startswith(("t1_", "t3_")) for i in ids)


def _rd_item(p: dict[str, Any], index: int) -> dict[str, Any]:
    item: dict[str, Any] = p["data"]["children"][index]["data"]
    return item


def _rd_created_text(p: dict[str, Any]) -> None:
    _rd_item(p, 1)["created_utc"] = "1780532783.0"


def _rd_created_bool(p: dict[str, Any]) -> None:
    _rd_item(p, 0)["created_utc"] = True


def _rd_created_nan(p: dict[str, Any]) -> None:
    _rd_item(p, 2)["created_utc"] = float("nan")


def _rd_created_far(p: dict[str, Any]) -> None:
    _rd_item(p, 3)["created_utc"] = 1e20


def _rd_without_name(p: dict[str, Any]) -> None:
    del _rd_item(p, 2)["name"]


def _rd_name_of_another_kind(p: dict[str, Any]) -> None:
    _rd_item(p, 0)["name"] = "t3_oprhecj"


def _rd_post_without_title(p: dict[str, Any]) -> None:
    del _rd_item(p, 3)["title"]


def _rd_comment_body_null(p: dict[str, Any]) -> None:
    _rd_item(p, 1)["body"] = None


def _rd_child_without_kind(p: dict[str, Any]) -> None:
    del p["data"]["children"][2]["kind"]


def _rd_children_missing(p: dict[str, Any]) -> None:
    del p["data"]["children"]


def _rd_not_a_listing(p: dict[str, Any]) -> None:
    p["kind"] = "t3"


def _rd_after_number(p: dict[str, Any]) -> None:
    p["data"]["after"] = 3


CHILD: tuple[str, ...] = ("data", "children")


@pytest.mark.parametrize(
    ("edit", "location"),
    [
        (_rd_created_text, (*CHILD, 1, "data", "created_utc")),
        (_rd_created_bool, (*CHILD, 0, "data", "created_utc")),
        (_rd_created_nan, (*CHILD, 2, "data", "created_utc")),
        (_rd_created_far, (*CHILD, 3, "data", "created_utc")),
        (_rd_without_name, (*CHILD, 2, "data", "name")),
        (_rd_name_of_another_kind, (*CHILD, 0, "data", "name")),
        (_rd_post_without_title, (*CHILD, 3, "data", "title")),
        (_rd_comment_body_null, (*CHILD, 1, "data", "body")),
        (_rd_child_without_kind, (*CHILD, 2, "kind")),
        (_rd_children_missing, CHILD),
        (_rd_not_a_listing, ("kind",)),
        (_rd_after_number, ("data", "after")),
    ],
)
def test_reddit_shape_errors_name_their_place(
    edit: Callable[[dict[str, Any]], None], location: tuple[str | int, ...]
) -> None:
    payload = load("reddit_listing")
    edit(payload)

    assert shape_error(reddit_listing, payload).location == location


# --- every source ---------------------------------------------------------------------


def test_adapters_by_source_name() -> None:
    assert {
        "x_recent_search": x_recent_search,
        "youtube_comment_threads": youtube_comment_threads,
        "reddit_listing": reddit_listing,
    } == ADAPTERS


@pytest.mark.parametrize("source", sorted(ADAPTERS))
def test_a_payload_that_is_not_an_object(source: str) -> None:
    error = shape_error(ADAPTERS[source], [])

    assert (error.location, error.message) == ((), "expected an object")


@pytest.mark.parametrize(
    ("source", "fixture", "location"),
    [
        ("x_recent_search", "youtube_comment_threads", ("meta",)),
        ("x_recent_search", "reddit_listing", ("meta",)),
        ("youtube_comment_threads", "x_recent_search", ("kind",)),
        ("youtube_comment_threads", "reddit_listing", ("kind",)),
        ("reddit_listing", "youtube_comment_threads", ("kind",)),
        ("reddit_listing", "x_recent_search", ("kind",)),
    ],
)
def test_a_payload_of_another_source(
    source: str, fixture: str, location: tuple[str | int, ...]
) -> None:
    assert shape_error(ADAPTERS[source], load(fixture)).location == location


def test_long_text_is_cut_and_unprintable_characters_dropped() -> None:
    x = load("x_recent_search")
    x["data"][0]["text"] = "é" * (MAX_TEXT + 500)
    x["data"][1]["text"] = "bon\x00jour\x0b\x9f !\tok\r\n"
    reddit = load("reddit_comments")
    reddit["data"]["children"][0]["data"]["body"] = "x" * (MAX_TEXT * 2)

    tweets = x_recent_search(x).mentions
    comment = reddit_listing(reddit).mentions[0]

    assert tweets[0].text == "é" * MAX_TEXT
    assert tweets[1].text == "bonjour !\tok\r\n"
    assert len(comment.text) == MAX_TEXT == 10_000


@pytest.mark.parametrize(
    ("source", "fixture"),
    [
        ("x_recent_search", "x_recent_search"),
        ("youtube_comment_threads", "youtube_comment_threads"),
        ("youtube_comment_threads", "youtube_comment_threads_channel"),
        ("reddit_listing", "reddit_listing"),
        ("reddit_listing", "reddit_posts_listing"),
        ("reddit_listing", "reddit_comments"),
    ],
)
def test_mentions_are_what_the_ingestion_body_accepts(source: str, fixture: str) -> None:
    """The API's strict JSON validation takes each mention back as it is dumped."""
    for mention in ADAPTERS[source](load(fixture)).mentions:
        dumped = mention.model_dump(mode="json", exclude_none=True)
        assert MentionIn.model_validate_json(json.dumps(dumped)) == mention


def test_adapters_do_not_edit_the_payload() -> None:
    payload = load("reddit_listing")
    before = copy.deepcopy(payload)

    reddit_listing(payload)

    assert payload == before


def test_shape_error_as_a_field_error() -> None:
    error = shape_error(x_recent_search, load("x_recent_search_default_fields"))

    assert error.field_error() == FieldError(("data", 0, "created_at"), "missing", "source_shape")
    assert str(error) == "data.0.created_at: missing"
    assert isinstance(error, ValueError)


def test_reddit_is_a_platform() -> None:
    assert Platform("reddit") is Platform.reddit
