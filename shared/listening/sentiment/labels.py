"""The two languages scored and LIS-2's three labels with their thresholds."""

from __future__ import annotations

import enum

from shared.i18n import Language as Language  # the languages scored are the product's


class SentimentLabel(enum.StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


#: LIS-2: negative <= -0.05 < neutral < 0.05 <= positive.
THRESHOLD = 0.05


def label(sentiment: float) -> SentimentLabel:
    if sentiment <= -THRESHOLD:
        return SentimentLabel.negative
    if sentiment >= THRESHOLD:
        return SentimentLabel.positive
    return SentimentLabel.neutral
