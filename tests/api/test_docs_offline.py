"""Issue 18: `/docs` (Swagger UI) and `/redoc` (ReDoc) render with no internet, every file
they load served by the API itself (services/api/docs_assets.py, vendored.py). The pages
are loaded in a real headless Chromium, driven by Playwright, from the real server on a
loopback port."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page, expect

from services.api.main import create_app
from services.api.server import server_config
from services.api.vendored import CONTENT_TYPES, IMMUTABLE, asset_url, assets
from shared.config import ROOT, Settings
from shared.embedded import free_port
from tests.helpers.browser import RENDERED_WITHIN_MS, is_local, open_offline
from tests.helpers.http import start_in_thread

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})


# Without a browser: what the pages reference, and how the files are served.


def test_the_vendored_files_are_the_ones_the_manifest_records() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "vendor_assets.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_the_pages_reference_no_other_host(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = await client.get(page)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert "http://" not in html
        assert "https://" not in html
        assert "fonts.googleapis" not in html
    assert asset_url("swagger-ui-bundle.js") in (await client.get("/docs")).text
    assert asset_url("redoc.standalone.js") in (await client.get("/redoc")).text


async def test_assets_are_served_typed_and_cached_for_good(client: httpx.AsyncClient) -> None:
    served = assets()
    assert {asset.path.name for asset in served.values()} == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon-32x32.png",
        "redoc.standalone.js",
        "echarts.min.js",
    }
    for name, asset in served.items():
        response = await client.get(f"/assets/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == CONTENT_TYPES[asset.path.suffix]
        assert response.headers["cache-control"] == IMMUTABLE
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.content == asset.path.read_bytes()
        again = await client.get(
            f"/assets/{name}", headers={"If-None-Match": response.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.content == b""


async def test_an_unknown_or_stale_asset_is_a_404_problem(client: httpx.AsyncClient) -> None:
    stale = asset_url("swagger-ui.css").replace(".css", "").rsplit(".", 1)[0] + ".0000.css"
    for url in (stale, "/assets/manifest.json", "/assets/..%2fmain.py"):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


async def test_assets_share_one_metrics_label(client: httpx.AsyncClient) -> None:
    for name in assets():
        await client.get(f"/assets/{name}")
    await client.get("/assets/no-such-file.js")
    text = (await client.get("/metrics")).text
    label = 'route="/assets/{name}"'
    assert f'smm_http_requests_total{{method="GET",{label},status="200"}}' in text
    assert f'smm_http_requests_total{{method="GET",{label},status="404"}}' in text
    assert not any(name in text for name in assets())


# In a real browser.


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    """The real server, as `smm api` runs it, on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(
        server_config(settings, create_app(settings), host="127.0.0.1", port=port)
    )
    thread = start_in_thread(server)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def operation_ids(base_url: str) -> list[str]:
    """The operationId of every operation in the server's /openapi.json, sorted."""
    document = httpx.get(f"{base_url}/openapi.json").json()
    return sorted(
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    )


def test_swagger_ui_renders_every_operation_offline(
    context: BrowserContext, base_url: str, operation_ids: list[str]
) -> None:
    page, requested = open_offline(context, f"{base_url}/docs")
    # Each operation is a block `#operations-<tag>-<operationId>`.
    blocks = page.locator(".opblock")
    expect(blocks).to_have_count(len(operation_ids), timeout=RENDERED_WITHIN_MS)
    ids = blocks.evaluate_all("blocks => blocks.map(block => block.id)")
    assert sorted(block.rsplit("-", 1)[1] for block in ids) == operation_ids
    assert page.locator("#operations-campaigns-create_campaign").is_visible()
    assert page.get_by_text("SMM Platform API").first.is_visible()
    assert_local_only(page, requested, base_url, "swagger-ui-bundle.js")


def test_redoc_renders_every_operation_offline(
    context: BrowserContext, base_url: str, operation_ids: list[str]
) -> None:
    page, requested = open_offline(context, f"{base_url}/redoc")
    sections = page.locator('[data-section-id^="operation/"]')
    expect(sections).to_have_count(len(operation_ids), timeout=RENDERED_WITHIN_MS)
    ids = sections.evaluate_all("sections => sections.map(s => s.dataset.sectionId)")
    assert sorted(section.removeprefix("operation/") for section in ids) == operation_ids
    assert page.locator('[data-section-id="operation/create_campaign"] h2').is_visible()
    assert_local_only(page, requested, base_url, "redoc.standalone.js")


def assert_local_only(page: Page, requested: list[str], base_url: str, script: str) -> None:
    """The page asked for its script and the document, from the server, and nothing
    from anywhere else (Redocly's logo included: tools/vendor_assets.py), rendered and
    quiet (no request for 500 ms)."""
    page.wait_for_load_state("networkidle")
    assert f"{base_url}{asset_url(script)}" in requested
    assert f"{base_url}/openapi.json" in requested
    elsewhere = [url for url in requested if not is_local(url)]
    assert not elsewhere, f"the page asked another host for {elsewhere}"
