"""The webhook dispatcher: a loop inside each worker process that delivers (WH-4).

Why not one arq job per delivery: retries wait up to 10 hours, and that wait belongs in
Postgres (`next_attempt_at`), not in a Redis that may restart empty; and an arq job held
by a slow receiver would hold one of the worker's job slots with it. The loop instead
claims due deliveries from Postgres in batches, sends them concurrently on one shared
HTTP client with a per-endpoint cap, and records the outcomes in batches. It is woken by
NOTIFY when events commit and polls every second otherwise, so it needs neither Redis nor
the LISTEN connection to be correct, only to be fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter as Tally
from datetime import datetime
from functools import lru_cache

import asyncpg
import httpx
import structlog
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.db.base import utcnow
from shared.logging import describe
from shared.outbox.wake import CHANNEL
from shared.webhooks import signing
from shared.webhooks.dispatch import FAN_OUT_BATCH, Claimed, Outcome, claim, fan_out, record
from shared.webhooks.models import DeliveryStatus
from shared.webhooks.policy import judge
from shared.webhooks.service import secret_box
from shared.webhooks.ssrf import BlockedAddress, GuardedTransport, LookupFailed

log = structlog.get_logger(__name__)

DELIVERIES = Counter(
    "smm_webhook_deliveries_total",
    "Webhook delivery attempts by what they led to",
    ["outcome"],  # succeeded | retrying | failed
)
ATTEMPTS = Counter(
    "smm_webhook_attempts_total", "Webhook attempts by result", ["result"]
)  # 2xx | 3xx | 4xx | 5xx | timeout | error | blocked
ATTEMPT_SECONDS = Histogram(
    "smm_webhook_attempt_duration_seconds",
    "Webhook attempt latency, request to response head and first body bytes",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DISPATCH_LAG = Gauge(
    "smm_webhook_dispatch_lag_seconds",
    "How far past its due time the most overdue delivery of the last claim was",
)
IN_FLIGHT = Gauge("smm_webhook_in_flight", "Webhook attempts in flight in this process")

#: What is read of a response: enough to keep the connection reusable for small bodies.
READ_LIMIT = 64 * 1024
STORED_BODY = 1024
POLL_SECONDS = 1.0
#: How long past the attempt timeout a claimed delivery stays leased to this process.
LEASE_MARGIN = 60.0
#: Rounds that may fail to record the same outcomes before they are given up.
MAX_UNRECORDED_ROUNDS = 5


def _result(status_code: int | None, error: str | None) -> str:
    if status_code is not None:
        return f"{status_code // 100}xx"
    if error and error.startswith("blocked"):
        return "blocked"
    if error and error.startswith("timed out"):
        return "timeout"
    return "error"


async def _head(response: httpx.Response) -> str:
    read = bytearray()
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= READ_LIMIT:
            break
    return bytes(read[:STORED_BODY]).decode("utf-8", "replace")


class WebhookDispatcher:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.poll_seconds = poll_seconds
        self.timeout = settings.webhook_timeout_seconds
        self.lease = self.timeout + LEASE_MARGIN
        self.box = secret_box(settings)
        self.decrypt = lru_cache(maxsize=4096)(self.box.decrypt)
        in_flight = settings.webhook_max_in_flight
        self.client = httpx.AsyncClient(
            transport=GuardedTransport(
                allow_private=settings.webhook_allow_private,
                allowed_ports=settings.webhook_allowed_ports,
                limits=httpx.Limits(
                    max_connections=in_flight,
                    max_keepalive_connections=in_flight,
                    keepalive_expiry=30,
                ),
            ),
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
        )
        self.busy: Tally[uuid.UUID] = Tally()
        self.tasks: set[asyncio.Task[None]] = set()
        self.finished: list[Outcome] = []
        self.wake = asyncio.Event()
        self.stopping = False
        self.unrecorded_rounds = 0

    # -- the loop --------------------------------------------------------------------

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        failures = 0
        log.info("webhooks.dispatcher_started", max_in_flight=self.settings.webhook_max_in_flight)
        try:
            while not self.stopping:
                self.wake.clear()
                backlog = False
                try:
                    backlog = await self._round()
                    failures = 0
                except Exception as exc:
                    failures += 1
                    log.warning("webhooks.round_failed", error=describe(exc), failures=failures)
                if backlog:
                    continue
                delay = self.poll_seconds if not failures else min(30.0, 2.0**failures)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), delay)
        finally:
            listener.cancel()
            await self._drain()

    async def stop(self) -> None:
        self.stopping = True
        self.wake.set()

    async def _round(self) -> bool:
        """Record what finished, fan out new events, claim what is due: one transaction.
        True when the outbox had more than one batch waiting."""
        outcomes, self.finished = self.finished, []
        room = self.settings.webhook_max_in_flight - len(self.tasks)
        try:
            async with self.sessionmaker() as session, session.begin():
                await record(session, outcomes, utcnow())
                events, _ = await fan_out(session)
                claimed = (
                    await claim(
                        session,
                        room=room,
                        per_endpoint=self.settings.webhook_endpoint_concurrency,
                        busy=dict(self.busy),
                        lease_seconds=self.lease,
                    )
                    if room > 0 and not self.stopping
                    else []
                )
        except BaseException:
            self.unrecorded_rounds += 1
            if self.unrecorded_rounds < MAX_UNRECORDED_ROUNDS:
                self.finished = outcomes + self.finished  # kept for the next round
            elif outcomes:
                # Leases expire and the deliveries go again (at least once): better than
                # one bad outcome blocking every round behind it.
                log.error("webhooks.outcomes_dropped", count=len(outcomes))
            raise
        self.unrecorded_rounds = 0
        if claimed:
            now = utcnow()
            DISPATCH_LAG.set(max(0.0, (now - min(c.due_at for c in claimed)).total_seconds()))
        for delivery in claimed:
            self.busy[delivery.endpoint_id] += 1
            task = asyncio.create_task(self._attempt(delivery))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        IN_FLIGHT.set(len(self.tasks))
        return events >= FAN_OUT_BATCH

    async def _drain(self) -> None:
        """On shutdown: let attempts in flight finish (bounded by their timeout), record
        them; whatever cannot be recorded is retried after its lease, same webhook-id."""
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=self.timeout + 1)
        if self.finished:
            try:
                async with self.sessionmaker() as session, session.begin():
                    await record(session, self.finished, utcnow())
                self.finished = []
            except Exception as exc:
                log.warning(
                    "webhooks.drain_unrecorded", count=len(self.finished), error=describe(exc)
                )
        await self.client.aclose()

    async def _listen(self) -> None:
        """LISTEN for commits of outbox events; reconnects, and polling covers the gaps."""
        delay = 1.0
        while True:
            try:
                await self._listen_once()
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("webhooks.listen_failed", error=describe(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(self.settings.libpq_url)
        lost = asyncio.Event()
        try:
            await conn.add_listener(CHANNEL, lambda *_: self.wake.set())
            conn.add_termination_listener(lambda *_: lost.set())
            self.wake.set()  # whatever committed while we were not listening
            await lost.wait()
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    # -- one attempt -----------------------------------------------------------------

    def _secrets(self, delivery: Claimed, now: datetime) -> list[str]:
        secrets = [self.decrypt(delivery.secret_ciphertext)]
        if (
            delivery.previous_secret_ciphertext
            and delivery.previous_secret_expires_at
            and delivery.previous_secret_expires_at > now
        ):
            secrets.append(self.decrypt(delivery.previous_secret_ciphertext))
        return secrets

    async def _attempt(self, delivery: Claimed) -> None:
        attempted_at = utcnow()
        started = time.perf_counter()
        status_code: int | None = None
        body: str | None = None
        error: str | None = None
        try:
            payload = signing.body(delivery.event_type, delivery.occurred_at, delivery.data)
            headers = signing.headers(
                str(delivery.event_id), payload, self._secrets(delivery, attempted_at), attempted_at
            )
            async with asyncio.timeout(self.timeout):
                async with self.client.stream(
                    "POST", delivery.url, content=payload, headers=headers
                ) as response:
                    status_code = response.status_code
                    body = await _head(response)
        except BlockedAddress as exc:
            error = f"blocked: {exc}"
        except LookupFailed as exc:
            error = str(exc)
        except (TimeoutError, httpx.TimeoutException):
            error = f"timed out after {self.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except Exception as exc:  # a bug or an undecryptable secret: recorded, retried
            error = describe(exc)
        finally:
            self.busy[delivery.endpoint_id] -= 1
            if self.busy[delivery.endpoint_id] <= 0:
                del self.busy[delivery.endpoint_id]
        elapsed = time.perf_counter() - started
        if error is not None:  # one line: the endpoint's fault or the network's, not ours
            log.warning(
                "webhooks.attempt_failed",
                delivery_id=str(delivery.id),
                endpoint_id=str(delivery.endpoint_id),
                attempt=delivery.attempt_count + 1,
                error=error,
            )
        verdict = judge(
            status_code,
            attempt=delivery.attempt_count + 1,
            one_off=delivery.one_off,
            schedule=self.settings.webhook_retry_schedule,
            now=utcnow(),
            failing_since=delivery.failing_since,
        )
        self.finished.append(
            Outcome(
                delivery=delivery,
                attempted_at=attempted_at,
                duration_ms=round(elapsed * 1000),
                status_code=status_code,
                response_body=body,
                error=error[:1000] if error else None,
                verdict=verdict,
            )
        )
        ATTEMPT_SECONDS.observe(elapsed)
        ATTEMPTS.labels(_result(status_code, error)).inc()
        DELIVERIES.labels(
            "retrying" if verdict.status == DeliveryStatus.pending else verdict.status.value
        ).inc()
        if verdict.disable_reason:
            log.warning(
                "webhooks.endpoint_disabled",
                endpoint_id=str(delivery.endpoint_id),
                reason=verdict.disable_reason,
            )
        self.wake.set()
