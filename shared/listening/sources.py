"""Listening sources (LIS-1): a platform's API page, exactly as the platform returns it,
turned into the mentions `MentionIn` ingests and the token of the next page.

Pure functions: no I/O, so the fetching side (and its tests) stays apart. A payload that
is not the shape its platform documents raises `SourceShapeError` with the place inside
the payload that broke, so the API can answer a problem that points at it rather than a
500 or a silently empty page."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import ValidationError

from shared.errors import FieldError
from shared.listening.schemas import MentionIn
from shared.listening.sentiment import Language
from shared.social_accounts.models import Platform

Location = tuple[str | int, ...]

MAX_TEXT: Final = 10_000
"""`MentionIn.text`'s bound: a longer post is cut there rather than refused."""

#: What `shared.schemas.PRINTABLE` refuses (PostgreSQL cannot store NUL; the rest never
#: belong in a post). Dropped from a source's text rather than refusing the whole page.
_UNPRINTABLE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: X escapes these three in a post's `text` (v2 returns `&amp;` for `&`); one pass of
#: the three restores what the author typed (`&amp;lt;` stays `&lt;`).
_X_ENTITIES: Final = re.compile(r"&(amp|lt|gt);")
_X_CHARACTERS: Final = {"amp": "&", "lt": "<", "gt": ">"}

_HTML_BREAK: Final = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG: Final = re.compile(r"<[^>]*>")

_LANGUAGES: Final = {"fr": Language.fr, "en": Language.en}

#: Reddit's placeholders for content its author deleted or a moderator removed.
_REDDIT_GONE: Final = frozenset({"[deleted]", "[removed]"})


class SourceShapeError(ValueError):
    """The payload is not the shape its source documents: `location` is the path inside
    the payload (keys and list indexes) of the value that broke."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{'.'.join(map(str, location)) or '(payload)'}: {message}")
        self.location = location
        self.message = message

    def field_error(self) -> FieldError:
        """As the API's problem details list a field's error."""
        return FieldError(self.location, self.message, "source_shape")


@dataclass(frozen=True)
class SourcePage:
    """One page of a source: its mentions, and the token that asks for the next page
    (`None` on the last page)."""

    mentions: list[MentionIn]
    next_page: str | None


# --- reading a payload, each read naming where it looked ---------------------------------


def _object(value: Any, loc: Location) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SourceShapeError(loc, "expected an object")
    return value


def _array(value: Any, loc: Location) -> Sequence[Any]:
    if not isinstance(value, list):
        raise SourceShapeError(loc, "expected an array")
    return value


def _field(parent: Mapping[str, Any], key: str, loc: Location) -> Any:
    if key not in parent:
        raise SourceShapeError((*loc, key), "missing")
    return parent[key]


def _str(parent: Mapping[str, Any], key: str, loc: Location) -> str:
    value = _field(parent, key, loc)
    if not isinstance(value, str):
        raise SourceShapeError((*loc, key), "expected a string")
    return value


def _id(parent: Mapping[str, Any], key: str, loc: Location) -> str:
    value = _str(parent, key, loc)
    if not value:
        raise SourceShapeError((*loc, key), "expected a non-empty string")
    return value


def _optional_str(parent: Mapping[str, Any], key: str, loc: Location) -> str | None:
    value = parent.get(key)
    if value is not None and not isinstance(value, str):
        raise SourceShapeError((*loc, key), "expected a string or null")
    return value


def _optional_object(parent: Mapping[str, Any], key: str, loc: Location) -> Mapping[str, Any]:
    value = parent.get(key)
    return {} if value is None else _object(value, (*loc, key))


def _optional_array(parent: Mapping[str, Any], key: str, loc: Location) -> Sequence[Any]:
    value = parent.get(key)
    return [] if value is None else _array(value, (*loc, key))


def _timestamp(parent: Mapping[str, Any], key: str, loc: Location) -> datetime:
    """An RFC 3339 timestamp with its offset (`2021-06-12T23:19:46.000Z`): a naive one
    would be read in the server's zone, so it is refused."""
    text = _str(parent, key, loc)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SourceShapeError((*loc, key), "expected an RFC 3339 timestamp") from None
    if value.utcoffset() is None:
        raise SourceShapeError((*loc, key), "expected a timestamp with its UTC offset")
    return value


def _epoch(parent: Mapping[str, Any], key: str, loc: Location) -> datetime:
    """Seconds since the epoch, UTC (Reddit's `created_utc`, a float)."""
    value = _field(parent, key, loc)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SourceShapeError((*loc, key), "expected seconds since the epoch (a number)")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise SourceShapeError((*loc, key), "outside the representable dates") from None


def _count(parent: Mapping[str, Any], key: str, loc: Location) -> int:
    """A count the source may leave out (then 0, as `MentionIn` has it)."""
    value = parent.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SourceShapeError((*loc, key), "expected an integer")
    return value


def _text(text: str) -> str:
    """Printable and within `MentionIn`'s bound; otherwise verbatim."""
    return _UNPRINTABLE.sub("", text)[:MAX_TEXT]


def _mention(fields: dict[str, Any], where: Mapping[str, Location]) -> MentionIn:
    """A `MentionIn`, strictly validated; a value it refuses is reported at the place in
    the payload it came from (`where`: field -> location)."""
    try:
        return MentionIn(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        raise SourceShapeError(where.get(field, where["item"]), error["msg"]) from None


# --- X API v2 ----------------------------------------------------------------------------


def x_recent_search(payload: Mapping[str, Any]) -> SourcePage:
    """`GET /2/tweets/search/recent` with `expansions=author_id`,
    `tweet.fields=created_at,lang,public_metrics,author_id` and
    `user.fields=username,public_metrics`.

    The author's handle and followers are in the expanded user (`includes.users`), not in
    the post: a post whose author is not there means the request lacked the expansion. X
    sends no `data` when nothing matched, but always `meta`, with `next_token` only if a
    page follows."""
    root = _object(payload, ())
    meta = _object(_field(root, "meta", ()), ("meta",))  # X sends it on every page
    users: dict[str, tuple[Location, Mapping[str, Any]]] = {}
    includes = _optional_object(root, "includes", ())
    for index, value in enumerate(_optional_array(includes, "users", ("includes",))):
        loc: Location = ("includes", "users", index)
        user = _object(value, loc)
        users[_id(user, "id", loc)] = (loc, user)

    mentions: list[MentionIn] = []
    for index, value in enumerate(_optional_array(root, "data", ())):
        loc = ("data", index)
        tweet = _object(value, loc)
        tweet_id = _id(tweet, "id", loc)
        text = _str(tweet, "text", loc)
        posted_at = _timestamp(tweet, "created_at", loc)
        author_id = _id(tweet, "author_id", loc)
        if author_id not in users:
            raise SourceShapeError(
                (*loc, "author_id"),
                "no user with this id in includes.users (request expansions=author_id)",
            )
        user_loc, user = users[author_id]
        username = _id(user, "username", user_loc)
        metrics = _optional_object(user, "public_metrics", user_loc)
        followers = _count(metrics, "followers_count", (*user_loc, "public_metrics"))
        lang = _optional_str(tweet, "lang", loc)
        text = _text(_X_ENTITIES.sub(lambda m: _X_CHARACTERS[m.group(1)], text))
        if not text.strip():
            continue
        mentions.append(
            _mention(
                {
                    "platform": Platform.x,
                    "external_id": tweet_id,
                    "author_handle": f"@{username}",
                    "author_followers": followers,
                    "text": text,
                    "url": f"https://x.com/{username}/status/{tweet_id}",
                    "posted_at": posted_at,
                    "language": _LANGUAGES.get(lang or ""),
                },
                {
                    "item": loc,
                    "external_id": (*loc, "id"),
                    "author_handle": (*user_loc, "username"),
                    "author_followers": (*user_loc, "public_metrics", "followers_count"),
                    "text": (*loc, "text"),
                    "url": (*loc, "id"),
                    "posted_at": (*loc, "created_at"),
                },
            )
        )
    return SourcePage(mentions, _optional_str(meta, "next_token", ("meta",)))


# --- YouTube Data API v3 -----------------------------------------------------------------


def _html_to_text(text: str) -> str:
    """`textDisplay` as `textFormat=html` renders it (`<br>`, links, `&#39;`)."""
    return html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", text)))


def youtube_comment_threads(payload: Mapping[str, Any]) -> SourcePage:
    """`commentThreads.list` (`part=snippet`): one mention per top-level comment.

    `textOriginal` is what the author typed; Google documents it as guaranteed only to the
    comment's author, so `textDisplay` (HTML unless `textFormat=plainText`) is the
    fallback. The payload carries no follower count (0). A thread without a video (a
    channel discussion) has no watch URL."""
    root = _object(payload, ())
    kind = _str(root, "kind", ())
    if kind != "youtube#commentThreadListResponse":
        raise SourceShapeError(("kind",), "expected youtube#commentThreadListResponse")

    mentions: list[MentionIn] = []
    for index, value in enumerate(_array(_field(root, "items", ()), ("items",))):
        loc: Location = ("items", index)
        thread = _object(value, loc)
        if _str(thread, "kind", loc) != "youtube#commentThread":
            raise SourceShapeError((*loc, "kind"), "expected youtube#commentThread")
        thread_snippet = _object(_field(thread, "snippet", loc), (*loc, "snippet"))
        top_loc: Location = (*loc, "snippet", "topLevelComment")
        comment = _object(_field(thread_snippet, "topLevelComment", top_loc[:-1]), top_loc)
        comment_id = _id(comment, "id", top_loc)
        snippet_loc: Location = (*top_loc, "snippet")
        snippet = _object(_field(comment, "snippet", top_loc), snippet_loc)

        original = _optional_str(snippet, "textOriginal", snippet_loc)
        if original:
            text, text_loc = original, (*snippet_loc, "textOriginal")
        else:
            display = _str(snippet, "textDisplay", snippet_loc)
            text, text_loc = _html_to_text(display), (*snippet_loc, "textDisplay")
        handle = _str(snippet, "authorDisplayName", snippet_loc)
        handle_loc: Location = (*snippet_loc, "authorDisplayName")
        if not handle.strip():  # a channel without a name: its id identifies it
            channel_loc: Location = (*snippet_loc, "authorChannelId")
            channel = _object(_field(snippet, "authorChannelId", snippet_loc), channel_loc)
            handle, handle_loc = _id(channel, "value", channel_loc), (*channel_loc, "value")
        posted_at = _timestamp(snippet, "publishedAt", snippet_loc)
        video_id = _optional_str(thread_snippet, "videoId", (*loc, "snippet")) or (
            _optional_str(snippet, "videoId", snippet_loc)
        )
        text = _text(text)
        if not text.strip():
            continue
        mentions.append(
            _mention(
                {
                    "platform": Platform.youtube,
                    "external_id": comment_id,
                    "author_handle": handle,
                    "author_followers": 0,
                    "text": text,
                    "url": None
                    if video_id is None
                    else f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}",
                    "posted_at": posted_at,
                },
                {
                    "item": loc,
                    "external_id": (*top_loc, "id"),
                    "author_handle": handle_loc,
                    "text": text_loc,
                    "url": (*loc, "snippet", "videoId"),
                    "posted_at": (*snippet_loc, "publishedAt"),
                },
            )
        )
    return SourcePage(mentions, _optional_str(root, "nextPageToken", ()))


# --- Reddit ------------------------------------------------------------------------------


def reddit_listing(payload: Mapping[str, Any]) -> SourcePage:
    """A Reddit `Listing` (search, `/new`, `/r/{sub}/comments`, a user's overview), asked
    with `raw_json=1` so text comes unescaped.

    Posts (`t3`: title, then the self text) and comments (`t1`: body) are kept; other
    kinds are not mentions. The id is the fullname (`t3_…`, `t1_…`): a post and a comment
    may share the base-36 part, never the fullname. What its author deleted or a moderator
    removed (`[deleted]`/`[removed]` as the text or the author) is left out: Reddit no
    longer shows it. Listings carry no follower count (0)."""
    root = _object(payload, ())
    if _str(root, "kind", ()) != "Listing":
        raise SourceShapeError(("kind",), "expected Listing")
    data = _object(_field(root, "data", ()), ("data",))

    mentions: list[MentionIn] = []
    children = _array(_field(data, "children", ("data",)), ("data", "children"))
    for index, value in enumerate(children):
        loc: Location = ("data", "children", index)
        child = _object(value, loc)
        kind = _str(child, "kind", loc)
        if kind not in ("t1", "t3"):
            continue
        item_loc: Location = (*loc, "data")
        item = _object(_field(child, "data", loc), item_loc)
        name = _id(item, "name", item_loc)
        if not name.startswith(f"{kind}_"):
            raise SourceShapeError((*item_loc, "name"), f"expected the fullname {kind}_<id>")
        author = _str(item, "author", item_loc)
        if kind == "t3":
            title = _str(item, "title", item_loc)
            body = _str(item, "selftext", item_loc)
            text_loc: Location = (*item_loc, "title")
            text = f"{title}\n\n{body}" if body.strip() else title
        else:
            body = _str(item, "body", item_loc)
            text_loc = (*item_loc, "body")
            text = body
        posted_at = _epoch(item, "created_utc", item_loc)
        permalink = _optional_str(item, "permalink", item_loc)
        text = _text(text)
        if author in _REDDIT_GONE or body in _REDDIT_GONE or not text.strip():
            continue
        mentions.append(
            _mention(
                {
                    "platform": Platform.reddit,
                    "external_id": name,
                    "author_handle": f"u/{author}",
                    "author_followers": 0,
                    "text": text,
                    "url": None if permalink is None else f"https://www.reddit.com{permalink}",
                    "posted_at": posted_at,
                },
                {
                    "item": item_loc,
                    "external_id": (*item_loc, "name"),
                    "author_handle": (*item_loc, "author"),
                    "text": text_loc,
                    "url": (*item_loc, "permalink"),
                    "posted_at": (*item_loc, "created_utc"),
                },
            )
        )
    return SourcePage(mentions, _optional_str(data, "after", ("data",)))


Adapter = Callable[[Mapping[str, Any]], SourcePage]

ADAPTERS: Final[dict[str, Adapter]] = {
    "x_recent_search": x_recent_search,
    "youtube_comment_threads": youtube_comment_threads,
    "reddit_listing": reddit_listing,
}
"""Each source's adapter, by the name a client gives the source."""
