"""Issue 17: clients generated from the OpenAPI document work. openapi-python-client, in its
default configuration, generates a Python client from the app's document without a
warning, and that client drives the API: typed models in, typed models out, pages, KPI rows
whose key is typed by `group_by`, problems as `Problem`. (openapi-typescript runs in
`make openapi-check`, with Redocly's lint.)"""

from __future__ import annotations

import csv
import importlib
import io
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from services.api import openapi_document
from services.api.main import create_app
from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.metrics import DAY, merged

#: The package openapi-python-client names after the document's title.
PACKAGE = "smm_platform_api_client"


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client generated once for the session, imported from its temporary directory."""
    root = tmp_path_factory.mktemp("generated")
    source = root / "openapi.json"
    source.write_text(openapi_document.document(), encoding="utf-8")
    tools = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(tools / "openapi-python-client"),
            "generate",
            "--path",
            str(source),
            "--output-path",
            str(root / "client"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        # Its post-generation hooks run ruff, found on PATH: this environment's.
        env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output
    assert "Error" not in output, output
    sys.path.insert(0, str(root / "client"))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root / "client"))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def module(name: str) -> Any:
    """A module of the generated package: `models`, `api.campaigns.create_campaign`..."""
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
async def api(
    generated: ModuleType, tenant: Tenant, settings: Settings, resources: Resources
) -> AsyncIterator[Any]:
    """The generated client, authenticated as the tenant's admin, on the in-process app."""
    token = tenant.admin["Authorization"].removeprefix("Bearer ")
    transport = httpx.ASGITransport(app=create_app(settings, resources))
    client = generated.AuthenticatedClient(
        base_url="http://testserver",
        token=token,
        httpx_args={"transport": transport},
        raise_on_unexpected_status=True,
    )
    async with client:
        yield client


async def test_campaigns_are_created_and_paged_through_typed_models(api: Any) -> None:
    models = module("models")
    create = module("api.campaigns.create_campaign")
    created = [
        await create.asyncio(
            client=api,
            body=models.CampaignCreate(name=f"Spring {n}", objective=models.Objective.SALES),
        )
        for n in range(3)
    ]
    assert all(isinstance(campaign, models.CampaignRead) for campaign in created)
    assert [c.name for c in created] == ["Spring 0", "Spring 1", "Spring 2"]
    assert all(
        isinstance(c.id, uuid.UUID) and c.objective == models.Objective.SALES for c in created
    )

    list_campaigns = module("api.campaigns.list_campaigns")
    pages = [await list_campaigns.asyncio(client=api, limit=2)]
    while pages[-1].next_cursor is not None:
        pages.append(
            await list_campaigns.asyncio(client=api, limit=2, cursor=pages[-1].next_cursor)
        )
    assert all(isinstance(page, models.CampaignPage) for page in pages)
    assert [len(page.items) for page in pages] == [2, 1]
    assert {c.id for page in pages for c in page.items} == {c.id for c in created}

    missing = await module("api.campaigns.get_campaign").asyncio(
        client=api, campaign_id=uuid.uuid4()
    )
    assert isinstance(missing, models.Problem)
    assert missing.status == 404


async def test_kpis_by_campaign_have_a_typed_group_and_a_csv(
    api: Any, tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    models = module("models")
    campaign = await module("api.campaigns.create_campaign").asyncio(
        client=api, body=models.CampaignCreate(name="Spring", objective=models.Objective.SALES)
    )
    batch = await module("api.metrics.ingest_metric_snapshots").asyncio(
        client=api,
        body=models.SnapshotBatch(
            snapshots=[
                models.SnapshotIn(
                    campaign_id=campaign.id,
                    period_start=datetime.fromisoformat(DAY),
                    granularity=models.Granularity.DAY,
                    impressions=1000,
                    clicks=30,
                )
            ]
        ),
    )
    assert isinstance(batch, models.IngestBatchRead)
    done = await merged(tenant, resources, settings, {"id": str(batch.id)})
    assert done["status"] == "succeeded", done

    query = {"group_by": models.GroupBy.CAMPAIGN, "level": models.SnapshotLevel.CAMPAIGN}
    report = await module("api.kpis.get_kpis").asyncio(client=api, **query)
    assert isinstance(report, models.CampaignKpiReport)
    [row] = report.items
    assert isinstance(row, models.CampaignKpiRow)
    assert isinstance(row.group, models.CampaignGroup)
    assert (row.group.campaign_id, row.group.name) == (campaign.id, "Spring")
    assert (row.counters.impressions, row.counters.clicks, row.kpis.ctr) == (1000, 30, 0.03)

    # The generated operation reads JSON only (one body per status): a CSV download goes
    # through the client's own httpx client, which carries its base URL and key.
    http = api.get_async_httpx_client()
    response = await http.get(
        "/v1/kpis",
        params={
            "group_by": "campaign",
            "level": "campaign",
            "csv_dialect": "rfc4180",
            "csv_header": "keys",
        },
        headers={"Accept": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    [line] = list(csv.DictReader(io.StringIO(response.text)))
    assert (line["campaign_id"], line["name"]) == (str(campaign.id), "Spring")
    assert (line["impressions"], line["clicks"]) == ("1000", "30")
