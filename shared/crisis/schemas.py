from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from shared.crisis.levels import DEFAULT_LEVELS, LEVEL_NAME, LevelRule, Metrics
from shared.crisis.models import AlertStatus
from shared.schemas import PRINTABLE, InputModel, JsonInt, ReadModel, UpdateModel


class PlaybookStep(InputModel):
    text: str = Field(min_length=1, max_length=2000, pattern=PRINTABLE)
    owner_role: str = Field(
        min_length=1,
        max_length=100,
        pattern=PRINTABLE,
        examples=["community_manager"],
        description="Who does it.",
    )


def check_levels(levels: list[LevelRule], freeze: str | None) -> None:
    names = [rule.level for rule in levels]
    if len(set(names)) != len(names):
        raise ValueError("level names must be unique")
    for rule in levels:
        if rule.negative_share is rule.volume_ratio is rule.weighted_negative_share is None:
            raise ValueError(f"level '{rule.level}' needs at least one threshold")
    if freeze is not None and freeze not in names:
        raise ValueError(f"freeze_publishing_at '{freeze}' is not one of the levels {names}")


class PolicyCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Brand crisis",
                    "window_minutes": 60,
                    "baseline_days": 7,
                    "min_mentions": 20,
                    "cooldown_minutes": 120,
                    "freeze_publishing_at": "crisis",
                    "playbook": [
                        {"text": "Pause scheduled posts and ads", "owner_role": "social_lead"},
                        {"text": "Draft a holding statement", "owner_role": "communications"},
                    ],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    term_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The terms watched; omitted or null: the workspace's brand terms.",
    )
    window_minutes: Annotated[int, JsonInt(5, 7 * 24 * 60)] = 60
    baseline_days: Annotated[int, JsonInt(1, 90)] = 7
    min_mentions: Annotated[int, JsonInt(1, 1_000_000)] = 20
    levels: list[LevelRule] = Field(
        default_factory=lambda: list(DEFAULT_LEVELS),
        min_length=1,
        max_length=10,
        description="Lowest first; a level holds when all its thresholds are met.",
    )
    cooldown_minutes: Annotated[int, JsonInt(1, 7 * 24 * 60)] = 120
    playbook: list[PlaybookStep] | None = Field(
        default=None,
        max_length=50,
        description="Ordered steps; omitted or null: the default playbook, in the "
        "workspace's `language`; `[]`: none.",
    )
    freeze_publishing_at: str | None = Field(
        default=None,
        max_length=40,
        pattern=LEVEL_NAME,
        description="One of `levels`: while an alert at or above it is open, "
        "scheduled content is put on hold (CRI-4).",
    )
    freeze_campaign_ids: list[uuid.UUID] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The freeze's scope; null: every campaign.",
    )
    enabled: StrictBool = True

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_levels(self.levels, self.freeze_publishing_at)
        return self


class PolicyUpdate(UpdateModel):
    NOT_NULL = frozenset(
        {
            "name",
            "window_minutes",
            "baseline_days",
            "min_mentions",
            "levels",
            "cooldown_minutes",
            "playbook",
            "enabled",
        }
    )

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=PRINTABLE)
    term_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=200)
    window_minutes: Annotated[int, JsonInt(5, 7 * 24 * 60)] | None = None
    baseline_days: Annotated[int, JsonInt(1, 90)] | None = None
    min_mentions: Annotated[int, JsonInt(1, 1_000_000)] | None = None
    levels: list[LevelRule] | None = Field(default=None, min_length=1, max_length=10)
    cooldown_minutes: Annotated[int, JsonInt(1, 7 * 24 * 60)] | None = None
    playbook: list[PlaybookStep] | None = Field(default=None, max_length=50)
    freeze_publishing_at: str | None = Field(default=None, max_length=40, pattern=LEVEL_NAME)
    freeze_campaign_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=200)
    enabled: StrictBool | None = None


class PolicyRead(ReadModel):
    id: uuid.UUID
    name: str
    term_ids: list[uuid.UUID] | None
    window_minutes: int
    baseline_days: int
    min_mentions: int
    levels: list[LevelRule]
    cooldown_minutes: int
    playbook: list[PlaybookStep]
    freeze_publishing_at: str | None
    freeze_campaign_ids: list[uuid.UUID] | None
    enabled: bool
    created_at: datetime
    updated_at: datetime


class Escalation(BaseModel):
    level: str
    at: datetime
    metrics: Metrics


class AlertStep(BaseModel):
    text: str
    owner_role: str
    done: bool
    done_at: datetime | None


class MentionShare(BaseModel):
    key: str
    mentions: int
    negative: int
    share: float


class Trend(BaseModel):
    key: str
    mentions: int = Field(description="In the window.")
    expected: float = Field(description="In a window this long over the baseline.")
    lift: float | None = Field(description="mentions / expected; null when never seen before.")


class Author(BaseModel):
    handle: str
    followers: int
    mentions: int
    negative: int


class Explanation(BaseModel):
    """CRI-3: why the alert fired, as of its last step."""

    terms: list[Trend] = Field(description="Tracked terms, by mentions in the window.")
    hashtags: list[Trend] = Field(description="Hashtags rising most against the baseline.")
    top_authors: list[Author] = Field(description="Authors in the window, by followers.")
    platforms: list[MentionShare]
    languages: list[MentionShare]
    avg_sentiment: float | None
    baseline_avg_sentiment: float | None
    sentiment_delta: float | None = Field(description="avg_sentiment - baseline_avg_sentiment.")
    summary: str


class AlertRead(ReadModel):
    id: uuid.UUID
    policy_id: uuid.UUID | None
    policy_name: str
    level: str
    status: AlertStatus
    opened_at: datetime
    last_held_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None = Field(description="`cooldown` or `user`.")
    metrics: Metrics
    escalations: list[Escalation] = Field(description="Every step, the opening first.")
    sample_mention_ids: list[uuid.UUID] = Field(
        description="Up to 20: the most negative first, then the most followed."
    )
    explanation: Explanation
    playbook: list[AlertStep]
    postmortem: str | None
    freezing: bool = Field(description="Whether the alert holds scheduled content (CRI-4).")
    created_at: datetime
    updated_at: datetime


class AlertUpdate(UpdateModel):
    """Acknowledge (the alert then stays until resolved by hand), resolve, tick playbook
    steps, write the postmortem."""

    NOT_NULL = frozenset({"status", "playbook_done"})

    status: AlertStatus | None = Field(default=None, description="`acknowledged` or `resolved`.")
    playbook_done: list[Annotated[int, JsonInt(0, 49)]] | None = Field(
        default=None,
        max_length=50,
        description="Indexes (from 0) of the steps done; the others are not done.",
    )
    postmortem: str | None = Field(default=None, max_length=50_000, pattern=PRINTABLE)


def metrics_dict(metrics: Metrics) -> dict[str, Any]:
    return metrics.model_dump(mode="json")
