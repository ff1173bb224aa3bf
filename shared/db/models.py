"""Every mapped table, imported once so metadata is complete (Alembic, tests)."""

from shared.attribution.models import AttributionRun
from shared.audiences.models import Audience
from shared.campaigns.models import Campaign, CampaignAudience
from shared.content.models import ContentItem
from shared.crisis.models import Alert, EscalationPolicy
from shared.db.base import Base
from shared.events.models import TrackedEvent, Visitor
from shared.idempotency.models import IdempotencyRecord
from shared.jobs.models import Job
from shared.jobs.work import IngestBatch
from shared.kpis.models import KpiTargetMiss, metric_rollups
from shared.listening.models import Mention, TrackedTerm
from shared.metrics.models import IngestRow, MetricSnapshot
from shared.outbox.models import OutboxEvent
from shared.segments.models import AudienceMember, AudienceRefresh
from shared.social_accounts.models import SocialAccount
from shared.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from shared.workspaces.models import ApiKey, Workspace

__all__ = [
    "Alert",
    "ApiKey",
    "AttributionRun",
    "Audience",
    "AudienceMember",
    "AudienceRefresh",
    "Base",
    "Campaign",
    "CampaignAudience",
    "ContentItem",
    "EscalationPolicy",
    "IdempotencyRecord",
    "IngestBatch",
    "IngestRow",
    "Job",
    "KpiTargetMiss",
    "Mention",
    "MetricSnapshot",
    "OutboxEvent",
    "SocialAccount",
    "TrackedEvent",
    "TrackedTerm",
    "Visitor",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workspace",
    "metric_rollups",
]
