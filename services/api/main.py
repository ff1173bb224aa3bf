"""The FastAPI application: create_app() wires settings, pools, middleware and routers."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from arq.connections import RedisSettings, create_pool
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.api import console, docs_assets, errors, hot_reads, vendored
from services.api.middleware import RequestContextMiddleware
from services.api.problems import Problem
from services.api.routers import (
    attribution,
    audiences,
    campaigns,
    content_items,
    crisis,
    events,
    kpis,
    listening,
    metrics,
    ops,
    platforms,
    social_accounts,
    webhooks,
    workspaces,
)
from services.api.state import Resources
from services.api.transaction import TransactionMiddleware
from shared.config import Settings, get_settings
from shared.db.engine import make_engine, make_sessionmaker
from shared.events.schemas import EventBatch
from shared.listening.schemas import MentionBatch
from shared.logging import configure_logging
from shared.metrics.schemas import SnapshotBatch
from shared.platforms import registry
from shared.webhooks.service import secret_box

DESCRIPTION = """
Plan campaigns and content, measure them, listen to what people say about the brand,
and raise the alarm before a bad week becomes a crisis.

* Authenticate with `Authorization: Bearer <api key>`; roles are `viewer`, `editor`, `admin`.
* Errors are RFC 9457 `application/problem+json` with a `request_id`.
* Lists are cursor-paginated: follow `next_cursor`.
* `PATCH` answers with an `ETag`; send it back as `If-Match` to avoid lost updates.
* Creating `POST`s accept an `Idempotency-Key` header (replayed for 24 h).
"""


#: Relative: the document describes the server it is fetched from, whatever its host.
SERVERS = [{"url": "/", "description": "The server this document is served from"}]
#: The repository states no open licence: the API and its code are the owner's.
LICENSE = {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}


def _operation_id(route: APIRoute) -> str:
    return route.name


async def open_resources(settings: Settings) -> Resources:
    secret_box(settings)  # no SECRETS_KEY: refuse to start rather than fail on first use
    # DB_POOL_SIZE and as many again, all kept open: an overflow connection is closed as
    # soon as the pool has DB_POOL_SIZE idle ones, and a request-bound process is idle
    # between statements most of the time, so under load the overflow was reconnected
    # (TLS probe, startup, statement cache) every few requests (PERF-5).
    engine = make_engine(settings, pool_size=2 * settings.db_pool_size, max_overflow=0)
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_dsn), retry=0)
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Resources(settings, engine, make_sessionmaker(engine), redis, make_sessionmaker(reads))


async def close_resources(resources: Resources) -> None:
    await resources.redis.aclose()
    await resources.engine.dispose()


def create_app(settings: Settings | None = None, resources: Resources | None = None) -> FastAPI:
    """`resources` lets a test harness share its pools; otherwise the lifespan opens them."""
    settings = settings or get_settings()
    registry.load()  # a broken metric registry stops the start, not a sync later

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if resources is not None:
            app.state.resources = resources
            yield
            return
        opened = await open_resources(settings)
        app.state.resources = opened
        try:
            yield
        finally:
            await close_resources(opened)

    app = FastAPI(
        title="SMM Platform API",
        version="1.0.0",
        description=DESCRIPTION,
        servers=SERVERS,
        license_info=LICENSE,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        openapi_url="/openapi.json",
        # Served by `docs_assets` instead, from files of our own: FastAPI's load a CDN's.
        docs_url=None,
        redoc_url=None,
        # The product's telemetry is `/metrics` and its JSON logs. FastAPI's own OpenTelemetry
        # hooks, never configured here, asked the global providers on every request (~2 %
        # of the hottest read's CPU, PERF-5).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    if resources is not None:
        app.state.resources = resources
    errors.install(app)
    vendored.install(app)
    docs_assets.install(app)
    console.install(app)
    app.add_middleware(TransactionMiddleware)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)

    for router in (
        workspaces.router,
        social_accounts.router,
        campaigns.router,
        content_items.router,
        audiences.router,
        metrics.router,
        metrics.batches_router,
        platforms.registry_router,
        platforms.reports_router,
        kpis.router,
        listening.reports_router,
        events.router,
        attribution.router,
        listening.terms_router,
        listening.router,
        listening.sources_router,
        crisis.policies_router,
        crisis.alerts_router,
        webhooks.router,
        webhooks.deliveries_router,
        webhooks.catalogue_router,
        ops.jobs_router,
        ops.router,
    ):
        app.include_router(router)
    hot_reads.install(app)
    _document_problem(app)
    return app


#: Components no route declares by type: the Problem of every error, and the bodies of
#: bulk routes that validate their raw bytes themselves (`deps.bulk_body`).
DOCUMENTED_MODELS: tuple[type[BaseModel], ...] = (
    Problem,
    SnapshotBatch,
    MentionBatch,
    EventBatch,
)


def _parameters_are_never_null(schema: dict[str, Any]) -> None:
    """A query, path or header parameter is absent or a string: HTTP has no null, so the
    `| None` of an optional parameter's type is not part of its schema."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                spec = parameter.get("schema", {})
                branches = [b for b in spec.get("anyOf", ()) if b != {"type": "null"}]
                if "anyOf" in spec and len(branches) == 1:
                    del spec["anyOf"]
                    spec.update(branches[0])
                elif "anyOf" in spec:
                    spec["anyOf"] = branches
                if spec.get("default", ...) is None:
                    del spec["default"]


#: Pydantic names a parametrized generic's component after its arguments
#: (`PageOut_CampaignRead_`); its title is the `model_parametrized_name` (`CampaignPage`).
_GENERIC_NAME = re.compile(r"^\w+_\w+_$")


def _name_generics_by_title(schema: dict[str, Any]) -> None:
    """Components of parametrized generics take their title as name (`CampaignPage`,
    `CampaignKpiRow`), in the document and in every client generated from it."""
    components = schema["components"]["schemas"]
    renames = {
        name: spec["title"]
        for name, spec in components.items()
        if _GENERIC_NAME.match(name) and spec.get("title", name) != name
    }
    taken = set(components) & set(renames.values())
    assert not taken, f"generic components would replace others: {sorted(taken)}"
    schema["components"]["schemas"] = {renames.get(k, k): v for k, v in components.items()}
    refs = {
        f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in renames.items()
    }

    def follow(node: Any) -> None:
        """Every string that is a renamed reference: `$ref`s and discriminator mappings."""
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if isinstance(value, str):
                node[key] = refs.get(value, value)
            elif isinstance(value, dict | list):
                follow(value)

    follow(schema)


def _document_problem(app: FastAPI) -> None:
    """Make the Problem schema a named component every error response points to, and the
    bulk bodies components their operations point to."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in DOCUMENTED_MODELS:
            components[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            for name, sub in components[model.__name__].pop("$defs", {}).items():
                components.setdefault(name, sub)
        _parameters_are_never_null(schema)
        _name_generics_by_title(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_factory() -> FastAPI:
    """Entry point for uvicorn (`--factory`)."""
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    app = create_app(settings)
    # What start-up allocated (modules, routes, schemas) lives as long as the process:
    # out of the collector's generations, a 10,000-row request's garbage is cheap to collect.
    gc.freeze()
    return app
