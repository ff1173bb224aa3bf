"""Every route, walked: no key is 401, a viewer writing is 403, an unknown id is 404, an
unknown body field is 422, each as a problem. New routes are covered by construction."""

from __future__ import annotations

from tests.conftest import Tenant
from tests.helpers.problems import assert_problem
from tests.helpers.routes import BODIES, routes, with_unknown_ids

WRITES = {"POST", "PATCH", "DELETE"}


async def test_every_route_needs_a_key(tenant: Tenant) -> None:
    for method, path in routes():
        response = await tenant.http.request(method, with_unknown_ids(path), json={})
        assert_problem(response, 401)


async def test_viewers_cannot_write_anywhere(tenant: Tenant) -> None:
    viewer = await tenant.key("viewer")
    for method, path in routes():
        if method in WRITES:
            response = await tenant.http.request(
                method, with_unknown_ids(path), json={}, headers=viewer
            )
            assert_problem(response, 403)


async def test_unknown_ids_are_404(tenant: Tenant) -> None:
    for method, path in routes():
        if "{" in path:
            body = BODIES.get((method, path), {} if method in {"POST", "PATCH"} else None)
            response = await tenant.http.request(
                method, with_unknown_ids(path), json=body, headers=tenant.admin
            )
            assert_problem(response, 404)


async def test_unknown_body_fields_are_422(tenant: Tenant) -> None:
    for method, path in routes():
        if method in {"POST", "PATCH"}:
            response = await tenant.http.request(
                method, with_unknown_ids(path), json={"no_such_field": 1}, headers=tenant.admin
            )
            body = assert_problem(response, 422)
            assert body["errors"], (method, path)
