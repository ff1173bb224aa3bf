"""Streams of mentions made of real posts that people labelled, from our own held-out split.

The posts are the dev split `smm sentiment train` carves out of each language's corpora
and never trains on (`training.split`). Their texts are sent as written, with only the
brand added (`@Brand ` before, or ` #Brand` after, alternately) so the policy's brand term
matches them. Neither `sentiment` nor `language` is sent: the product detects the
language and scores every post itself.

The corpora are not in the repository (licence): when one is missing, the test that needs
it is skipped, naming the file and how to obtain it.
"""

from __future__ import annotations

import functools
import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.listening.sentiment import training
from tests.helpers.listening import mention

BRAND = "Orvane"

LABELS = ("negative", "neutral", "positive")


@functools.cache
def _held_out(language: str) -> tuple[training.Post, ...]:
    manifest = training.read_manifest()
    search = training.default_search()
    recipe = manifest["languages"][language]
    posts: list[training.Post] = []
    for name in recipe["corpora"]:
        path = training.find(name, manifest, search)
        _, dev = training.split(training.read_posts(path), recipe["dev_fraction"])
        posts.extend(dev)
    return tuple(posts)


def held_out(language: str) -> tuple[training.Post, ...]:
    """The language's held-out labelled posts, or the test is skipped."""
    try:
        return _held_out(language)
    except training.CorpusError as missing:
        pytest.skip(f"no held-out {language} posts on this machine: {missing}")


def about_brand(text: str, index: int) -> str:
    """The post, naming the brand: "@Brand text" or "text #Brand", alternately."""
    return f"@{BRAND} {text}" if index % 2 == 0 else f"{text} #{BRAND}"


@dataclass(frozen=True)
class Stream:
    """Mentions to post, and the label a person gave each (by `external_id`)."""

    rows: list[dict[str, Any]]
    truth: dict[str, str]

    def mix(self) -> dict[str, int]:
        counted = Counter(self.truth.values())
        return {label: counted[label] for label in LABELS}


def _row(
    rng: random.Random, post: training.Post, index: int, posted_at: datetime
) -> dict[str, Any]:
    return mention(
        about_brand(post.text, index),
        author_handle=f"@user{rng.randrange(5_000)}",
        author_followers=rng.choice((12, 85, 240, 610, 1_800, 7_500, 42_000)),
        posted_at=posted_at.isoformat(),
    )


def _stream(rng: random.Random, dated: list[tuple[training.Post, datetime]]) -> Stream:
    rows = [_row(rng, post, i, at) for i, (post, at) in enumerate(dated)]
    truth = {row["external_id"]: post.label for row, (post, _) in zip(rows, dated, strict=True)}
    return Stream(rows, truth)


def baseline(
    posts: tuple[training.Post, ...],
    rng: random.Random,
    now: datetime,
    *,
    days: int = 7,
    per_hour: int = 6,
) -> Stream:
    """`per_hour` posts in each hour of the `days` before the last hour, drawn with
    replacement from the held-out posts (so in their own mix of labels)."""
    dated = []
    for hour in range(days * 24):
        slot_end = now - timedelta(hours=1 + hour)
        for _ in range(per_hour):
            # A minute's margin at each end of the hour: the evaluation's clock runs on.
            at = slot_end - timedelta(minutes=rng.uniform(1, 59))
            dated.append((rng.choice(posts), at))
    return _stream(rng, dated)


def burst(
    posts: tuple[training.Post, ...],
    rng: random.Random,
    now: datetime,
    *,
    label: str,
    main: int = 45,
    others: int = 15,
    minutes: float = 40,
) -> Stream:
    """`main` distinct posts labelled `label` and `others` distinct posts labelled
    otherwise, shuffled, all posted in the last `minutes`."""
    chosen = rng.sample([p for p in posts if p.label == label], main) + rng.sample(
        [p for p in posts if p.label != label], others
    )
    rng.shuffle(chosen)
    return _stream(
        rng, [(post, now - timedelta(minutes=rng.uniform(0.5, minutes))) for post in chosen]
    )


def chunks(rows: list[dict[str, Any]], max_bytes: int, max_rows: int = 5_000) -> list[list[Any]]:
    """Requests of at most `max_rows` mentions whose JSON body stays under `max_bytes`."""
    out: list[list[Any]] = [[]]
    size = 0
    for row in rows:
        row_size = len(json.dumps(row).encode()) + 2
        if out[-1] and (size + row_size > max_bytes or len(out[-1]) == max_rows):
            out.append([])
            size = 0
        out[-1].append(row)
        size += row_size
    return out
