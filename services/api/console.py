"""The web console (`/console`): the reference client of the public API, served by the API
process itself and working offline.

Plain files in `console/`: one HTML page, a style sheet and ES modules, with no build
step. Charts are drawn by ECharts, one of the vendored assets (`vendored`). The pages
call the public `/v1` API only, with a key the user pastes once and that stays in the
tab's `sessionStorage` (`console/api.js`).

The page's Content-Security-Policy lets it load and call this origin only. Scripts must
be files (no inline script, no `eval`). Inline styles are allowed, because ECharts
styles its SVG and tooltips with them."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from services.api.vendored import CONTENT_TYPES, asset_url

STATIC = Path(__file__).with_name("console")
PAGE = "/console"
FILES = f"{PAGE}/static"
#: Revalidated on every load (an ETag makes that a 304): an update is seen at once.
REVALIDATE = "no-cache"
CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": REVALIDATE,
    "Referrer-Policy": "no-referrer",
}


@functools.cache
def files() -> dict[str, tuple[bytes, str]]:
    """The console's scripts and style sheet by name, with their ETags."""
    found = {}
    for path in sorted(STATIC.iterdir()):
        if path.suffix in (".js", ".css"):
            body = path.read_bytes()
            found[path.name] = (body, f'"{hashlib.sha256(body).hexdigest()[:16]}"')
    return found


@functools.cache
def _template() -> str:
    return (STATIC / "index.html").read_text()


async def page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    html = (
        _template()
        .replace("{echarts}", asset_url("echarts.min.js", root))
        .replace("{static}", f"{root}{FILES}")
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


async def static(request: Request) -> Response:
    """One of the console's files; any other name is a 404."""
    name = request.path_params["name"]
    found = files().get(name)
    if found is None:
        raise HTTPException(404, "no such console file")
    body, etag = found
    headers = {"Cache-Control": REVALIDATE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=CONTENT_TYPES[Path(name).suffix], headers=headers)


def install(app: FastAPI) -> None:
    app.add_route(PAGE, page, methods=["GET"], include_in_schema=False)
    app.add_route(f"{FILES}/{{name}}", static, methods=["GET"], include_in_schema=False)
