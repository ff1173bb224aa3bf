"""Swagger UI (`/docs`) and ReDoc (`/redoc`) with every file they load served by the API
itself (`vendored`): FastAPI's pages load theirs from a CDN, and are blank on a machine
without internet."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse

from services.api.vendored import asset_url


def install(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """The two pages and Swagger UI's OAuth2 redirect page, as FastAPI adds its own (plain
    routes, out of the OpenAPI document)."""
    assert app.openapi_url is not None
    openapi_url = app.openapi_url
    oauth2_redirect_url = f"{docs_url}/oauth2-redirect"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=asset_url("swagger-ui-bundle.js", root),
            swagger_css_url=asset_url("swagger-ui.css", root),
            swagger_favicon_url=asset_url("favicon-32x32.png", root),
            oauth2_redirect_url=root + oauth2_redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            # No badge that sends the document to the public validator.
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
        )

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset_url("redoc.standalone.js", root),
            redoc_favicon_url=asset_url("favicon-32x32.png", root),
            with_google_fonts=False,
        )

    for path, endpoint in (
        (docs_url, swagger_ui),
        (oauth2_redirect_url, swagger_ui_redirect),
        (redoc_url, redoc),
    ):
        app.add_route(path, endpoint, methods=["GET"], include_in_schema=False)
