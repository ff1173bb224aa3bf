"""Pure rules of the modules every domain uses (money, timestamps, cursors, settings) and
the documented examples of the inputs: no database, no network."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.audiences.schemas import (
    LookalikeAudienceCreate,
    RetargetingAudienceCreate,
    SavedAudienceCreate,
    SegmentRule,
)
from shared.campaigns.schemas import CampaignCreate
from shared.config import Settings, asyncpg_url
from shared.content.schemas import ContentItemCreate
from shared.db.pagination import decode_cursor, encode_cursor
from shared.errors import ValidationFailed
from shared.schemas import Money, Timestamp
from shared.social_accounts.schemas import SocialAccountCreate
from shared.workspaces.schemas import ApiKeyCreate


def test_cursor_round_trips_and_rejects_garbage() -> None:
    when, ident = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC), uuid.uuid4()
    assert decode_cursor(encode_cursor("campaigns", when, ident), "campaigns") == (when, ident)
    foreign = encode_cursor("mentions", when, ident)
    for bad in ("", "bogus", "W10", encode_cursor("campaigns", when, ident)[:-3], foreign):
        with pytest.raises(ValidationFailed):
            decode_cursor(bad, "campaigns")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.5", "12.5"),
        ("12.5000", "12.5000"),
        ("0", "0"),
        (Decimal("12.00"), "12.00"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_money_is_exact_and_serialised_as_its_services_wrote_it(raw: object, expected: str) -> None:
    """The type keeps the value as sent; the services give it its currency's places
    (`shared.money.exact`, tests/api/test_money_by_value.py) before it is stored."""
    adapter = TypeAdapter(Money)
    value = adapter.validate_python(raw)
    assert isinstance(value, Decimal)
    assert adapter.dump_python(value, mode="json") == expected


@pytest.mark.parametrize(
    "raw",
    [12.5, 12, True, "-1", "NaN", "Infinity", "1e20", "abc", " 1", "1.", "", "1.0000000000001"],
)
def test_money_refuses_numbers_and_nonsense(raw: object) -> None:
    """A JSON number is refused, as the schema says (a string with its pattern); whether
    "1.005" fits is its currency's call, not the type's."""
    with pytest.raises(ValidationError):
        TypeAdapter(Money).validate_python(raw)


def test_timestamps_need_an_offset_and_are_kept_in_utc() -> None:
    adapter = TypeAdapter(Timestamp)
    paris = adapter.validate_python("2026-03-29T03:30:00+02:00")
    assert paris == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert paris.tzinfo == UTC
    assert (
        adapter.validate_python(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5)))).hour
        == 5
    )
    for bad in ("2026-03-29T03:30:00", "2026-03-29", 0, "0.5", 1700000000, "yesterday"):
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)


def test_settings_parse_the_retry_schedule_and_refuse_nonsense() -> None:
    settings = Settings(webhook_retry_schedule="5, 300,1800")
    assert settings.webhook_retry_schedule == (5, 300, 1800)
    assert Settings().webhook_retry_schedule == (5, 300, 1800, 7200, 18000, 36000, 36000)
    for bad in ("", "5,-1", "soon"):
        with pytest.raises(ValidationError):
            Settings(webhook_retry_schedule=bad)
    with pytest.raises(ValidationError):
        Settings(api_port=70000)
    with pytest.raises(ValidationError):
        Settings(smm_admin_token="short")


def test_database_urls_get_the_asyncpg_driver() -> None:
    assert asyncpg_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert asyncpg_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert asyncpg_url("postgresql+psycopg://u@h/db") == "postgresql+asyncpg://u@h/db"


@pytest.mark.parametrize(
    "model",
    [
        CampaignCreate,
        ContentItemCreate,
        SocialAccountCreate,
        ApiKeyCreate,
        SavedAudienceCreate,
        RetargetingAudienceCreate,
        LookalikeAudienceCreate,
        SegmentRule,
    ],
)
def test_documented_examples_are_valid_input(model: type[BaseModel]) -> None:
    examples = model.model_json_schema().get("examples")
    assert isinstance(examples, list)
    assert examples
    for example in examples:
        model.model_validate(example)
