"""A small client of Meta's Graph API for the pull connectors: cursor paging, the
platform's rate-limit signals, and its errors sorted into what the sync does about them.

Meta answers errors as `{"error": {"message", "type", "code", "error_subcode"}}`:
- 190 (and 102): the token is expired or revoked: the account needs a new login;
- 4, 17, 32, 613 and the 800xx business-use-case codes, or HTTP 429: throttled; the
  `X-Business-Use-Case-Usage` header says for how long (`estimated_time_to_regain_access`,
  minutes), `Retry-After` too when present;
- 100 on an insights call: a metric the object does not (or no longer) report; 10 and
  2xx: a permission the token lacks. One such metric fails the whole comma-separated
  request without naming itself, so the insights call asks again metric by metric.
Sources: docs/research/platform-payloads.md and tests/fixtures/platforms/metrics.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from shared.metrics.models import Reason

THROTTLED = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TOKEN_REFUSED = frozenset({102, 190})
#: Code 100 subcodes about the object, not a metric: 33 (no such object, or no access),
#: 2108006 (media posted before the account became a business account).
OBJECT_REFUSED = frozenset({33, 2108006})
#: Waits when Meta throttles without saying for how long.
DEFAULT_WAIT_SECONDS = 60.0


class PlatformError(RuntimeError):
    """The platform answered something the pull cannot use."""


class TokenRefused(PlatformError):
    """The token is expired or revoked."""


class ObjectRefused(PlatformError):
    """The platform will not report on this object (deleted, posted before the account
    became a business account): the pull skips it."""


class RateLimited(PlatformError):
    def __init__(self, wait: float, message: str) -> None:
        super().__init__(message)
        self.wait = wait


class MetricRefused(PlatformError):
    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def usage_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait according to Meta's usage headers, or None when they allow calls:
    `X-Business-Use-Case-Usage` (per business id, a list of use cases with percentages and
    `estimated_time_to_regain_access` in minutes) and `X-App-Usage` (percentages)."""
    wait: float | None = None
    raw = headers.get("x-business-use-case-usage")
    if raw:
        try:
            usage = json.loads(raw)
        except ValueError:
            usage = {}
        for cases in usage.values() if isinstance(usage, dict) else ():
            for case in cases if isinstance(cases, list) else ():
                if not isinstance(case, dict):
                    continue
                minutes = case.get("estimated_time_to_regain_access") or 0
                full = any(
                    (case.get(k) or 0) >= 100 for k in ("call_count", "total_cputime", "total_time")
                )
                if minutes or full:
                    seconds = float(minutes) * 60 or DEFAULT_WAIT_SECONDS
                    wait = max(wait or 0.0, seconds)
    raw = headers.get("x-app-usage")
    if raw:
        try:
            app = json.loads(raw)
        except ValueError:
            app = {}
        if isinstance(app, dict) and any((app.get(k) or 0) >= 100 for k in app):
            wait = max(wait or 0.0, DEFAULT_WAIT_SECONDS)
    return wait


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("retry-after")
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except ValueError:
        return None


class MetaGraph:
    """Calls of one token on one API version, through `client` (its base URL is the
    `META_GRAPH_BASE_URL` setting: Meta, or a local fake platform in tests)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        token: str,
        version: str,
        max_wait: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._token = token
        self._version = version
        self._max_wait = max_wait
        self._sleep = sleep
        self._pause = 0.0
        self.calls = 0

    async def _wait(self, seconds: float, message: str) -> None:
        if seconds > self._max_wait:
            raise RateLimited(seconds, message)
        await self._sleep(seconds)

    async def get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        """One call, slept through a short throttle (twice at most); a longer one raises
        `RateLimited`, the token's refusal `TokenRefused`, a metric's `MetricRefused`."""
        for attempt in range(3):
            if self._pause:
                pause, self._pause = self._pause, 0.0
                await self._wait(pause, "Meta's usage headers asked to slow down")
            self.calls += 1
            try:
                response = await self._client.get(
                    f"/{quote(self._version, safe='')}/{path}",
                    params=params,
                    headers={"Authorization": f"Bearer {self._token}"},
                )
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise PlatformError(f"the platform could not be reached: {exc!r}") from None
            try:
                body = response.json()
            except ValueError:
                raise PlatformError(f"HTTP {response.status_code}, not JSON") from None
            error = body.get("error") if isinstance(body, dict) else None
            code = error.get("code") if isinstance(error, dict) else None
            message = str(error.get("message", "")) if isinstance(error, dict) else ""
            throttled = response.status_code == 429 or code in THROTTLED
            if throttled:
                said = [
                    w
                    for w in (_retry_after(response.headers), usage_wait(response.headers))
                    if w is not None
                ]
                wait = max(said) if said else DEFAULT_WAIT_SECONDS
                if attempt == 2:
                    raise RateLimited(wait, message or "throttled")
                await self._wait(wait, message or f"HTTP {response.status_code}")
                continue
            if code in TOKEN_REFUSED:
                raise TokenRefused(message or "the token was refused")
            if code == 100 and error.get("error_subcode") in OBJECT_REFUSED:  # type: ignore[union-attr]
                raise ObjectRefused(message)
            if code == 100:
                # "not supported for this media (product) type": the metric exists, not here
                reason = Reason.not_provided if "media" in message.lower() else Reason.deprecated
                raise MetricRefused(reason, message)
            if code == 10 or (isinstance(code, int) and 200 <= code < 300):
                raise MetricRefused(Reason.permission, message)
            if error is not None or response.status_code >= 400 or not isinstance(body, dict):
                raise PlatformError(f"HTTP {response.status_code}: {message or 'no error body'}")
            self._pause = usage_wait(response.headers) or 0.0
            return body
        raise AssertionError("unreachable")

    async def edge_ids(self, object_id: str, edge: str, page_size: int = 50) -> AsyncIterator[str]:
        """The ids on an edge (`media`, `posts`), page after page by the `after` cursor: the
        `paging.next` URL is not followed, so a pull only ever calls the configured host."""
        after: str | None = None
        while True:
            params = {"fields": "id", "limit": str(page_size)}
            if after:
                params["after"] = after
            body = await self.get(f"{quote(object_id, safe='')}/{edge}", params)
            for entry in body.get("data") or ():
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    yield entry["id"]
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return

    async def insights(
        self, object_id: str, metrics: Sequence[str]
    ) -> tuple[dict[str, Any], dict[str, Reason]]:
        """The object's insights for `metrics`, and the metrics the platform refused with
        why: on a refusal of the whole request, each metric is asked alone, so one retired
        or forbidden metric leaves the others synced."""
        path = f"{quote(object_id, safe='')}/insights"
        try:
            return await self.get(path, {"metric": ",".join(metrics)}), {}
        except MetricRefused as exc:
            if len(metrics) == 1:
                return {"data": []}, {metrics[0]: exc.reason}
        data: list[Any] = []
        refused: dict[str, Reason] = {}
        for metric in metrics:
            try:
                data += (await self.get(path, {"metric": metric})).get("data") or []
            except MetricRefused as exc:
                refused[metric] = exc.reason
        return {"data": data}, refused
