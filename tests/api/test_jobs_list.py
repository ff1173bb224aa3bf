"""`GET /v1/jobs`: a workspace's recorded jobs for its admins, newest first, by status."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import Tenant, TenantFactory
from tests.helpers.metrics import ingest, row
from tests.helpers.problems import assert_problem


async def test_an_admin_lists_the_workspaces_jobs_newest_first(
    tenant: Tenant, make_tenant: TenantFactory
) -> None:
    item: dict[str, Any] = dict(await factories.content_item(tenant))
    for impressions in (1, 2):
        assert (await ingest(tenant, [row(item, impressions=impressions)])).status_code == 202

    listed = await tenant.http.get("/v1/jobs", headers=tenant.admin)
    assert listed.status_code == 200, listed.text
    jobs = listed.json()["items"]
    merges = [job for job in jobs if job["name"] == "metrics.merge"]
    assert len(merges) == 2  # each batch's merge, recorded with it, not run here
    assert {job["status"] for job in merges} == {"pending"}
    created = [job["created_at"] for job in jobs]
    assert created == sorted(created, reverse=True)
    assert set(jobs[0]) == {
        "id",
        "name",
        "status",
        "attempts",
        "created_at",
        "finished_at",
        "last_error",
    }

    done = await tenant.http.get("/v1/jobs", params={"status": "done"}, headers=tenant.admin)
    assert all(job["status"] == "done" for job in done.json()["items"])
    pending = await tenant.http.get("/v1/jobs", params={"status": "pending"}, headers=tenant.admin)
    assert len(pending.json()["items"]) >= 2
    one = await tenant.http.get("/v1/jobs", params={"limit": 1}, headers=tenant.admin)
    assert len(one.json()["items"]) == 1
    assert one.json()["next_cursor"]

    other = await make_tenant(name="Other")
    assert (await other.http.get("/v1/jobs", headers=other.admin)).json()["items"] == []
    editor = await tenant.key("editor")
    assert_problem(await tenant.http.get("/v1/jobs", headers=editor), 403)
