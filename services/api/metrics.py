"""Prometheus metrics of the API process (OPS-4)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

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
QUEUE_DEPTH = Gauge("smm_queue_depth", "Jobs waiting in the arq queue", registry=REGISTRY)
JOBS = Gauge("smm_jobs", "Recorded jobs by name and status", ["name", "status"], registry=REGISTRY)
OUTBOX_PENDING = Gauge(
    "smm_outbox_undispatched", "Outbox events not yet dispatched", registry=REGISTRY
)
OUTBOX_LAG = Gauge(
    "smm_outbox_oldest_undispatched_seconds",
    "Age of the oldest undispatched event",
    registry=REGISTRY,
)
WEBHOOKS_WAITING = Gauge(
    "smm_webhook_deliveries_waiting",
    "Webhook deliveries not yet succeeded or failed (pending or in flight)",
    registry=REGISTRY,
)
WEBHOOKS_OLDEST = Gauge(
    "smm_webhook_oldest_undelivered_seconds",
    "Age of the oldest event still waiting for a delivery (queue lag)",
    registry=REGISTRY,
)
WEBHOOKS_OVERDUE = Gauge(
    "smm_webhook_overdue_seconds",
    "How far past its attempt time the most overdue delivery is (dispatcher lag)",
    registry=REGISTRY,
)
MENTIONS_INGESTED = Counter(
    "smm_mentions_ingested_total",
    "Mentions accepted by POST /v1/mentions: inserted, updated or unchanged",
    ["outcome"],
    registry=REGISTRY,
)
ALERTS_OPEN = Gauge(
    "smm_alerts_open", "Unresolved crisis alerts by level", ["level"], registry=REGISTRY
)
