"""The PERF-5 anchors, served the way the API is (uvicorn, one process, same pool sizes).

Two endpoints in one Starlette app:

* `/v1/campaigns/{id}`: the product's work written directly on the stack, with nothing
  else: the API key looked up by its hash (revoked and expired keys refused), the campaign
  read with its audience ids scoped to the key's workspace, the same JSON bytes and ETag
  the API answers. asyncpg, two prepared statements, one pooled connection, `orjson`.
* `/bare/v1/campaigns/{id}`: the body the API returned for the campaign, served as is:
  what Starlette and uvicorn alone cost.

Run as `python -m bench.baseline_app PORT BODY_FILE DATABASE_URL`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BODY_ENV = "BENCH_BASELINE_BODY"
DATABASE_ENV = "BENCH_BASELINE_DATABASE"

KEY_SQL = "SELECT workspace_id, role, revoked_at, expires_at FROM api_keys WHERE key_hash = $1"
CAMPAIGN_SQL = """
SELECT c.id, c.name, c.objective, c.status, c.starts_at, c.ends_at, c.budget, c.currency,
       c.platforms, c.targets::text AS targets, c.utm::text AS utm, c.created_at,
       c.updated_at, c.version,
       ARRAY(SELECT a.audience_id FROM campaign_audiences a
             WHERE a.campaign_id = c.id ORDER BY a.position) AS audience_ids
FROM campaigns c WHERE c.workspace_id = $1 AND c.id = $2
"""
TARGETS = ("cpa", "cpl", "roas", "ctr", "engagement_rate")
UTM = ("source", "medium", "campaign")
UNAUTHENTICATED = Response(status_code=401)


def _default(value: Any) -> Any:
    """Money with its places, as the API writes it; asyncpg's own UUID type as text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError


def campaign_json(row: asyncpg.Record) -> bytes:
    """The API's `CampaignRead` bytes, built by hand."""
    targets, utm = orjson.loads(row["targets"]), orjson.loads(row["utm"])
    return orjson.dumps(
        {
            "id": row["id"],
            "name": row["name"],
            "objective": row["objective"],
            "status": row["status"],
            "starts_at": row["starts_at"],
            "ends_at": row["ends_at"],
            "budget": row["budget"],
            "currency": row["currency"],
            "platforms": row["platforms"],
            "audience_ids": row["audience_ids"],
            "targets": {name: targets.get(name) for name in TARGETS},
            "utm": {name: utm.get(name) for name in UTM},
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        },
        default=_default,
        option=orjson.OPT_UTC_Z,
    )


async def _no_reset(conn: asyncpg.Connection) -> None:
    return None


def app_factory() -> Starlette:
    body = json.loads(Path(os.environ[BODY_ENV]).read_text())
    pool: asyncpg.Pool[Any] | None = None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        # The API's pool: DB_POOL_SIZE (10) connections and as many again. asyncpg's
        # default reset on release (`RESET ALL`, `UNLISTEN *`...) is a round trip per
        # request the API does not pay (its reads run outside transactions): left out.
        pool = await asyncpg.create_pool(
            os.environ[DATABASE_ENV],
            min_size=10,
            max_size=20,
            reset=_no_reset,
            server_settings={"timezone": "UTC", "jit": "off"},
        )
        try:
            yield
        finally:
            await pool.close()

    async def bare(request: Request) -> JSONResponse:
        return JSONResponse(body)

    async def same_work(request: Request) -> Response:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.startswith("smm_"):
            return UNAUTHENTICATED
        campaign_id: uuid.UUID = request.path_params["campaign_id"]
        assert pool is not None
        async with pool.acquire() as conn:
            principal = await conn.fetchrow(KEY_SQL, hashlib.sha256(key.encode()).hexdigest())
            if principal is None or principal["revoked_at"] is not None:
                return UNAUTHENTICATED
            expires = principal["expires_at"]
            if expires is not None and expires <= datetime.now(UTC):
                return UNAUTHENTICATED
            row = await conn.fetchrow(CAMPAIGN_SQL, principal["workspace_id"], campaign_id)
        if row is None:
            return Response(status_code=404)
        return Response(
            campaign_json(row),
            media_type="application/json",
            headers={"etag": f'"v{row["version"]}"'},
        )

    return Starlette(
        routes=[
            Route("/bare/v1/campaigns/{campaign_id}", bare),
            Route("/v1/campaigns/{campaign_id:uuid}", same_work),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    port, body_file, database_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    os.environ[BODY_ENV] = str(Path(body_file).resolve())
    os.environ[DATABASE_ENV] = database_url
    # The same uvicorn options as `smm api` (cli/main.py): default loop/http (uvloop,
    # httptools), one worker, no access log, proxy headers.
    uvicorn.run(
        "bench.baseline_app:app_factory",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
