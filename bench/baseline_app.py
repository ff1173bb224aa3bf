"""The PERF-5 baseline: a bare Starlette JSON endpoint, served the way the API is.

It answers the same URL shape with the very body the API returned for the campaign, so
the ratio isolates what the API adds (auth, middleware, database, validation). Run as
`python -m bench.baseline_app PORT BODY_FILE`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BODY_ENV = "BENCH_BASELINE_BODY"


def app_factory() -> Starlette:
    body = json.loads(Path(os.environ[BODY_ENV]).read_text())

    async def campaign(request: Request) -> JSONResponse:
        return JSONResponse(body)

    return Starlette(routes=[Route("/v1/campaigns/{campaign_id}", campaign)])


def main() -> None:
    port, body_file = int(sys.argv[1]), sys.argv[2]
    os.environ[BODY_ENV] = str(Path(body_file).resolve())
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
