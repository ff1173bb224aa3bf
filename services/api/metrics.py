"""Prometheus metrics of the API process (OPS-4). With API_WORKERS > 1 each process
writes its values under MULTIPROCESS_DIR and `exposition` reads them all: counters and
histograms summed, gauges (refreshed from the database by the scrape) the most recent."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

#: prometheus_client's own variable: set before a worker imports it, values go to files.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry(auto_describe=True)


def exposition() -> bytes:
    """What `/metrics` answers: this process's registry, or every worker's."""
    directory = os.environ.get(MULTIPROCESS_DIR)
    if not directory:
        return generate_latest(REGISTRY)
    merged = CollectorRegistry()
    MultiProcessCollector(merged, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(merged)


def _gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
    return Gauge(name, documentation, labels, registry=REGISTRY, multiprocess_mode="mostrecent")


REQUESTS = Counter(
    "smm_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "smm_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
QUEUE_DEPTH = _gauge("smm_queue_depth", "Jobs waiting in the arq queue")
JOBS = _gauge("smm_jobs", "Recorded jobs by name and status", ("name", "status"))
OUTBOX_PENDING = _gauge("smm_outbox_undispatched", "Outbox events not yet dispatched")
OUTBOX_LAG = _gauge(
    "smm_outbox_oldest_undispatched_seconds", "Age of the oldest undispatched event"
)
WEBHOOKS_WAITING = _gauge(
    "smm_webhook_deliveries_waiting",
    "Webhook deliveries not yet succeeded or failed (pending or in flight)",
)
WEBHOOKS_OLDEST = _gauge(
    "smm_webhook_oldest_undelivered_seconds",
    "Age of the oldest event still waiting for a delivery (queue lag)",
)
WEBHOOKS_OVERDUE = _gauge(
    "smm_webhook_overdue_seconds",
    "How far past its attempt time the most overdue delivery is (dispatcher lag)",
)
MENTIONS_INGESTED = Counter(
    "smm_mentions_ingested_total",
    "Mentions accepted by POST /v1/mentions: inserted, updated or unchanged",
    ["outcome"],
    registry=REGISTRY,
)
ALERTS_OPEN = _gauge("smm_alerts_open", "Unresolved crisis alerts by level", ("level",))
