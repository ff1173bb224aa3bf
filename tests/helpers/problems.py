"""The problem document (RFC 9457) every error answers with, checked the same way everywhere."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import httpx


class Problem(TypedDict):
    type: str
    title: str
    status: int
    detail: str
    request_id: str
    #: Validation problems (422) list each bad field.
    errors: NotRequired[list[dict[str, Any]]]


def assert_problem(response: httpx.Response, status: int) -> Problem:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Problem = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "request_id"} <= body.keys()
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body
