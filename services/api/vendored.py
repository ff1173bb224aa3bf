"""Vendored front-end files (Swagger UI, ReDoc, ECharts), served by the API itself.

The files are vendored from their npm packages in `vendor/` (`make vendor-assets`,
tools/vendor_assets.py), whose manifest records each one's sha256. An asset's URL carries
the first hex digits of its digest, so a browser may keep it for a year: an update is a
new URL. All of them are one route, `/assets/{name}`: one metrics label, whatever the
files. `/docs`, `/redoc` (`docs_assets`) and `/console` (`console`) load from it."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

VENDOR = Path(__file__).with_name("vendor")
ASSETS = "/assets"
#: The types a page's files are served as: with `nosniff`, a browser runs a script or
#: applies a style sheet only when it is labelled as one.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
IMMUTABLE = "public, max-age=31536000, immutable"
DIGEST_CHARS = 12


@dataclass(frozen=True)
class Asset:
    path: Path
    sha256: str

    @property
    def media_type(self) -> str:
        return CONTENT_TYPES[self.path.suffix]


@functools.cache
def assets() -> dict[str, Asset]:
    """The servable files by their fingerprinted name (`swagger-ui.5ed08757e53d.css`),
    from the manifest alone: nothing is read until a browser asks for it."""
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    found: dict[str, Asset] = {}
    for package, entry in manifest["packages"].items():
        for filename, digest in entry["files"].items():
            path = VENDOR / package / filename
            if path.suffix in CONTENT_TYPES:
                name = f"{path.stem}.{digest[:DIGEST_CHARS]}{path.suffix}"
                assert name not in found, f"two vendored files would be served as {name}"
                found[name] = Asset(path, digest)
    return found


def asset_url(filename: str, root_path: str = "") -> str:
    """Where the vendored file named `filename` (`swagger-ui.css`) is served."""
    (name,) = (name for name, asset in assets().items() if asset.path.name == filename)
    return f"{root_path}{ASSETS}/{name}"


@functools.cache
def _body(path: Path) -> bytes:
    return path.read_bytes()


async def serve_asset(request: Request) -> Response:
    """A vendored file, by its fingerprinted name; any other name is a 404."""
    asset = assets().get(request.path_params["name"])
    if asset is None:
        raise HTTPException(404, "no such asset")
    etag = f'"{asset.sha256}"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(_body(asset.path), media_type=asset.media_type, headers=headers)


def install(app: FastAPI) -> None:
    app.add_route(f"{ASSETS}/{{name}}", serve_asset, methods=["GET"], include_in_schema=False)
