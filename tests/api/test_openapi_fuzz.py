"""SEC-2: schemathesis generates requests from /openapi.json against a live server: no 5xx,
every response (errors included) matches what the schema documents, and every request the
schema admits is accepted (positive data acceptance): the schema tells the truth.

A few rules cannot be said in JSON Schema: they compare two values or name stored objects.
Each is documented on its field, and `meaningful` applies it to the generated request, so
that everything else the schema admits must be accepted.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.generation import GenerationMode

from services.api.main import create_app
from shared.config import Settings
from shared.content.models import ContentFormat
from shared.content.rules import FORMAT_PLATFORMS
from shared.embedded import free_port
from shared.social_accounts.models import Platform
from shared.webhooks import ssrf
from tests.conftest import OPERATOR_TOKEN, offline_app
from tests.helpers.dns import FakeDNS
from tests.helpers.http import start_in_thread

schema = schemathesis.openapi.from_dict(offline_app().openapi())


@pytest.fixture(scope="module")
def live_api(settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    # The fuzz saves webhook endpoints at made-up public hosts (https://0.com/,
    # hooks.example.com): the URL guard reads an offline resolver, so no name is ever
    # looked up, whatever the settings (the loopback guard and CI's namespace stand behind).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ssrf, "resolve", FakeDNS())
        yield from _serve(settings)


def _serve(settings: Settings) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    # The production body limit: a schema-violating batch of 10,001 rows must meet the
    # schema's maxItems (422), not the tests' small body limit (413, which schemathesis
    # does not count as a rejection).
    production_limit = settings.model_copy(update={"max_body_bytes": Settings().max_body_bytes})
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(production_limit),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = start_in_thread(server)
    base_url = f"http://127.0.0.1:{port}"
    created = httpx.post(
        f"{base_url}/v1/workspaces",
        json={"name": "Fuzz"},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['api_key']['key']}"}
    REFERENCES.update(_objects(base_url, headers))
    try:
        yield base_url, headers
    finally:
        server.should_exit = True
        thread.join(15)
        # The fuzz saved endpoints at made-up public addresses (https://0.com/): their
        # deliveries, each waiting out a timeout, would tie up later tests' dispatchers.
        asyncio.run(_drop_workspace(settings, created.json()["workspace"]["id"]))


#: Ids of this workspace's objects, by the body field that names one.
REFERENCES: dict[str, str] = {}


def _objects(base_url: str, headers: dict[str, str]) -> dict[str, str]:
    def post(path: str, body: dict[str, Any]) -> str:
        response = httpx.post(f"{base_url}{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    account = post(
        "/v1/social-accounts", {"platform": "instagram", "handle": "@fuzz", "external_id": "1"}
    )
    campaign = post("/v1/campaigns", {"name": "Fuzz", "objective": "sales"})
    return {
        "social_account_id": account,
        "campaign_id": campaign,
        "content_item_id": post(
            "/v1/content-items", {"social_account_id": account, "format": "post"}
        ),
        "source_audience_id": post(
            "/v1/audiences", {"kind": "saved", "name": "Fuzz", "targeting": {}}
        ),
        "term_id": post("/v1/tracked-terms", {"term": "fuzz", "kind": "brand"}),
    }


def _later(first: Any, second: Any, days: int = 1) -> Any:
    """`second`, or `first` plus `days` when `second` is not after it."""
    try:
        start = datetime.fromisoformat(first)
        end = datetime.fromisoformat(second)
    except (TypeError, ValueError):
        return second
    if end > start:
        return second
    return (start + timedelta(days=days)).isoformat()


def _on_boundary(value: Any, granularity: Any) -> Any:
    try:
        moment = datetime.fromisoformat(value).astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        return value
    moment = moment.replace(minute=0, second=0, microsecond=0)
    if granularity == "day":
        moment = moment.replace(hour=0)
    return moment.isoformat()


#: A recorded Instagram media response (tests/fixtures/platforms/metrics): JSON Schema
#: cannot say what each platform returns, the registry's adapters do.
PLATFORM_REPORT = {
    "platform": "instagram",
    "object_type": "media",
    "api_version": "v23.0",
    "payload": json.loads(
        (
            Path(__file__).parents[1] / "fixtures/platforms/metrics/instagram_media_v23.json"
        ).read_text()
    ),
}


#: A recorded page of each listening source.
LISTENING_PAGES = {
    source: json.loads(
        (Path(__file__).parents[1] / f"fixtures/platforms/listening/{source}.json").read_text()
    )
    for source in ("x_recent_search", "youtube_comment_threads", "reddit_listing")
}


def _fix_body(body: dict[str, Any]) -> None:
    """The rules of one object's fields (and of the objects it holds)."""
    for name in ("campaign_id", "content_item_id", "social_account_id", "source_audience_id"):
        if isinstance(body.get(name), str):
            body[name] = REFERENCES[name]  # a stored object of this workspace
    for name in ("audience_ids",):
        if isinstance(body.get(name), list):
            body[name] = [REFERENCES["source_audience_id"]][: len(body[name])]
    for name in ("freeze_campaign_ids",):
        if isinstance(body.get(name), list):
            body[name] = [REFERENCES["campaign_id"]]
    if isinstance(body.get("term_ids"), list):
        body["term_ids"] = [REFERENCES["term_id"]]
    for start, end in (("starts_at", "ends_at"), ("from", "to")):
        if body.get(start) and body.get(end):
            body[end] = _later(body[start], body[end])  # ends after it starts
    if "period_start" in body:  # on a UTC hour (or day) boundary
        body["period_start"] = _on_boundary(body["period_start"], body.get("granularity"))
    age_min = body.get("age_min", 18)  # its default
    if isinstance(age_min, int | float) and isinstance(body.get("age_max"), int | float):
        body["age_max"] = max(age_min, body["age_max"])
    if isinstance(body.get("expires_at"), str):  # a key's expiry is in the future
        now = datetime.now(UTC)
        body["expires_at"] = _within(
            body["expires_at"], now + timedelta(days=1), now.replace(year=now.year + 5)
        )
    if "low" in body and "high" in body:  # a range is ordered
        low, high = sorted((body["low"], body["high"]), key=float)
        body.update(low=low, high=high)
    if isinstance(body.get("levels"), list):  # unique level names; the freeze names one
        for index, level in enumerate(body["levels"]):
            if isinstance(level, dict) and "level" in level:
                level["level"] = f"l{index}"
        if body.get("freeze_publishing_at") is not None and body["levels"]:
            body["freeze_publishing_at"] = body["levels"][0].get("level", "l0")
    elif body.get("freeze_publishing_at") is not None:
        body["freeze_publishing_at"] = "crisis"  # a default level
    if isinstance(body.get("unreported"), dict):  # a reason is for a null counter only
        for name in [n for n in body["unreported"] if body.get(n) is not None]:
            del body["unreported"][name]
    if "payload" in body and body.get("source") in LISTENING_PAGES:  # a source's page
        body["payload"] = LISTENING_PAGES[body["source"]]
        return
    if "payload" in body and "object_type" in body:  # a platform's response, as it returns it
        body.update(PLATFORM_REPORT)
        body.pop("as_of", None)  # today: an older total than one stored is refused
        return
    for value in body.values():
        for inner in value if isinstance(value, list) else [value]:
            if isinstance(inner, dict):
                _fix_body(inner)


#: The times bulk rows report, which must fall between 2000 and now.
BATCH_TIMES = (("snapshots", "period_start"), ("mentions", "posted_at"), ("events", "occurred_at"))
#: The amounts bulk rows report, which must fit their currency: the fixture's workspace
#: and campaign are in euros.
BATCH_MONEY = (("snapshots", "spend"), ("snapshots", "conversion_value"), ("events", "value"))

#: KPI reports that read content items' snapshots only (`level=campaign` is refused).
ITEM_REPORTS = ("/v1/kpis/content-matrix", "/v1/kpis/best-times", "/v1/kpis/ab-tests/{group}")


def _within(value: Any, earliest: datetime, latest: datetime) -> Any:
    try:
        moment = datetime.fromisoformat(value)
        if earliest <= moment <= latest:
            return value
    except (TypeError, ValueError, OverflowError):
        return value
    return latest.replace(minute=0, second=0, microsecond=0).isoformat()


def _in_cents(value: str) -> str:
    try:
        return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_DOWN))
    except InvalidOperation:
        return value


def _whole(value: Any) -> Any:
    """A whole amount fits every currency (yen have no minor unit)."""
    try:
        return str(Decimal(value).quantize(Decimal(1), rounding=ROUND_DOWN))
    except (InvalidOperation, TypeError):
        return value


def _fix_money(body: dict[str, Any]) -> None:
    """The currency, the workspace's or the campaign's, decides an amount's places."""
    for name in ("budget", "production_cost"):
        if isinstance(body.get(name), str):
            body[name] = _whole(body[name])
    targets = body.get("targets")
    for name in ("cpa", "cpl"):
        if isinstance(targets, dict) and isinstance(targets.get(name), str):
            targets[name] = _whole(targets[name])


def _fix_query(path: str, query: dict[str, Any]) -> None:
    if query.get("from") and query.get("to"):
        query["to"] = _later(query["from"], query["to"])
    if path in ITEM_REPORTS:
        query["level"] = "content_item"
    if query.get("level") == "campaign":  # campaign snapshots have no platform, format...
        for name in ("platform", "paid"):
            query.pop(name, None)
        if query.get("format") != "csv":
            query.pop("format", None)
        if query.get("group_by") in {"content_item", "platform", "format", "paid"}:
            query["group_by"] = "campaign"


def meaningful(case: schemathesis.Case[Any]) -> None:
    """Apply the rules the schema documents but JSON Schema cannot express, to the parts
    of a request that are meant to be valid."""
    meta = case.meta
    if meta is None:
        return
    if any(c.mode.is_negative for c in meta.components.values()):
        # Schemathesis 4.32's coverage phase may pair a negative header (`If-Match: 0`)
        # with a "valid object" body and call the whole request positive.
        meta.generation.mode = GenerationMode.NEGATIVE
        return
    # A cursor is an opaque token only its list makes (a foreign one is a 422, tested in
    # tests/api/test_conventions.py); If-Match must carry the current ETag (else 412).
    if case.query:
        case.query.pop("cursor", None)
        _fix_query(case.operation.path, case.query)
    if case.headers:
        case.headers.pop("if-match", None)
    if isinstance(case.body, dict):
        _fix_body(case.body)
        _fix_money(case.body)
        since, now = datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC)
        for rows, name in BATCH_TIMES:  # since 2000, not in the future
            batch = case.body.get(rows)
            for row in batch if isinstance(batch, list) else ():
                if isinstance(row, dict) and name in row:
                    row[name] = _within(row[name], since, now)
                    if name == "period_start":
                        row[name] = _on_boundary(row[name], row.get("granularity"))
        for rows, name in BATCH_MONEY:  # in whole cents
            batch = case.body.get(rows)
            for row in batch if isinstance(batch, list) else ():
                if isinstance(row, dict) and isinstance(amount := row.get(name), str):
                    row[name] = _in_cents(amount)
        fmt = case.body.get("format")
        if (  # the fixture's account is on Instagram, which has no articles
            case.body.get("social_account_id")
            and isinstance(fmt, str)
            and fmt in FORMAT_PLATFORMS
            and Platform.instagram not in FORMAT_PLATFORMS[ContentFormat(fmt)]
        ):
            case.body["format"] = "post"
        start_text = case.body.get("from")
        if isinstance(start_text, str):  # a run covers at most two years
            start = datetime.fromisoformat(start_text)
            case.body["to"] = _within(case.body.get("to"), start, start + timedelta(days=700))


async def _drop_workspace(settings: Settings, workspace_id: str) -> None:
    conn = await asyncpg.connect(settings.libpq_url)
    try:
        await conn.execute("DELETE FROM workspaces WHERE id = $1", uuid.UUID(workspace_id))
    finally:
        await conn.close()


@schema.parametrize()
@hypothesis_settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_api_matches_its_schema(
    case: schemathesis.Case[Any], live_api: tuple[str, dict[str, str]]
) -> None:
    base_url, headers = live_api
    meaningful(case)
    case.call_and_validate(base_url=base_url, headers=headers)
