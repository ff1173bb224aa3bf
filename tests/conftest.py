from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from schemathesis.pytest.plugin import SchemathesisFunction

from services.api.main import close_resources, create_app, open_resources
from services.api.state import Resources
from shared.config import Settings
from shared.crypto import generate_key
from shared.logging import configure_logging
from tests.clean_logs import leaks
from tests.harness import Services, running_services
from tests.helpers.browser import browser, context  # noqa: F401  (fixtures)
from tests.helpers.fake_platform import fake_graph  # noqa: F401  (fixture)
from tests.helpers.http import roomy  # noqa: F401  (fixture)
from tests.helpers.receiver import receiver  # noqa: F401  (fixture)
from tests.loopback import guarded_subprocesses, loopback_only, reported
from tests.worker_process import worker_processes  # noqa: F401  (fixture)

#: tests/citus needs the Citus cluster `make test-citus` starts (DATABASE_DISTRIBUTION=citus):
#: elsewhere it is not collected, rather than skipped.
collect_ignore = [] if os.environ.get("DATABASE_DISTRIBUTION") == "citus" else ["citus"]

OPERATOR_TOKEN = "operator-token-for-tests-only"
SECRETS_KEY = generate_key()
SESSION_SECRETS = (OPERATOR_TOKEN, SECRETS_KEY)


def offline_app() -> FastAPI:
    """The app as built at import time, for reading its routes and OpenAPI: no I/O."""
    return create_app(
        Settings(database_url="postgresql://x@localhost/x", redis_url="redis://localhost")
    )


@pytest.fixture(scope="session", autouse=True)
def hermetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Nothing the suite runs, in this process or in the Python processes it starts,
    resolves a public name or reaches beyond 127.0.0.1 (a URL saved at a made-up public
    host included): any attempt fails the run."""
    report = tmp_path_factory.mktemp("loopback") / "refused.txt"
    with loopback_only() as refused, guarded_subprocesses(report):
        yield
    refused += reported(report)
    assert not refused, f"the tests tried to leave loopback: {sorted(set(refused))}"


@pytest.fixture(scope="session", autouse=True)
def production_logging() -> None:
    """From the first test on, logs go where and at the level production has them (the
    standard library's handlers, INFO): what production would log is what the suite's
    logs are read for (`pytest_runtest_makereport`)."""
    configure_logging("INFO", json=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One node id per item. Schemathesis 4.32 names its per-operation items
    `test[GET /v1/x]` but passes the bare test name as `originalname`, from which pytest 9.2
    builds the node id: all 76 fuzz items shared one id, and the terminal's progress, which
    counts ids, stopped at 93 %. The id is rebuilt from the item's full name
    (tests/test_collection.py checks that ids are unique)."""
    for item in items:
        if isinstance(item, SchemathesisFunction) and item.parent is not None:
            item._id = item.parent.id.child(item.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """F6: a test whose logs (the standard library's records, structlog's included, and
    whatever it printed on stderr) hold a bound parameter, a key, a secret or personal
    data fails, whatever it asserted. Worker processes' logs: tests/worker_process.py."""
    report = yield
    logged = "".join(
        text
        for title, text in report.sections
        if title.endswith(f" {report.when}") and title.split()[1] in ("stderr", "log")
    )
    found = leaks(logged, SESSION_SECRETS) if logged else []
    if found and report.failed:
        report.sections.append(("Logs that leak", "\n".join(found)))
    elif found:
        report.outcome = "failed"
        report.longrepr = "the logs leak what they must not hold (F6):\n" + "\n".join(found)
    return report


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    with running_services() as running:
        yield running


@pytest.fixture(scope="session")
def settings(services: Services) -> Settings:
    return Settings(
        database_url=services.database_url,
        redis_url=services.redis_url,
        smm_admin_token=OPERATOR_TOKEN,
        secrets_key=SECRETS_KEY,
        webhook_allow_private=True,
        # Never Meta from a test: pulls reach a local fake platform, or this closed port.
        meta_graph_base_url="http://127.0.0.1:9",
        rate_limit_per_minute=100_000,
        auth_failures_per_minute=100_000,
        max_body_bytes=256 * 1024,
        log_json=False,
        log_level="INFO",
    )


@pytest.fixture(scope="session")
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    opened = await open_resources(settings)
    yield opened
    await close_resources(opened)


@pytest.fixture(scope="session")
async def client(settings: Settings, resources: Resources) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, resources)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class Tenant:
    """A fresh workspace per test: tests never share committed state."""

    id: str
    admin: dict[str, str]
    http: httpx.AsyncClient

    async def key(self, role: str) -> dict[str, str]:
        response = await self.http.post(
            "/v1/api-keys", json={"name": f"{role} key", "role": role}, headers=self.admin
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['key']}"}


TenantFactory = Callable[..., Awaitable[Tenant]]


@pytest.fixture
def make_tenant(client: httpx.AsyncClient) -> TenantFactory:
    async def make(name: str = "Maison Lumière", **fields: Any) -> Tenant:
        response = await client.post(
            "/v1/workspaces",
            json={"name": name, **fields},
            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return Tenant(
            id=body["workspace"]["id"],
            admin={"Authorization": f"Bearer {body['api_key']['key']}"},
            http=client,
        )

    return make


@pytest.fixture
async def tenant(make_tenant: TenantFactory) -> Tenant:
    return await make_tenant()


@pytest.fixture
async def black_hole() -> AsyncIterator[int]:
    """A port that accepts connections and never answers: a hung Redis, not a dead one."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()
