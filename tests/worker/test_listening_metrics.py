"""The analysis job's Prometheus metrics, as the worker serves them on its metrics port:
the names and labels dashboards read, counted once per batch, never on a replay."""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.api.state import Resources
from shared.config import Settings
from tests.conftest import Tenant
from tests.helpers.listening import analysed, mention, post


def counted() -> tuple[float, float, float]:
    """Mentions scored by the source, by the analyser, and batches timed, so far."""

    def sample(name: str, labels: dict[str, str] | None = None) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return (
        sample("smm_mentions_analysed_total", {"sentiment_source": "source"}),
        sample("smm_mentions_analysed_total", {"sentiment_source": "analyser"}),
        sample("smm_mention_analysis_seconds_count"),
    )


async def test_the_analysis_counts_mentions_by_sentiment_source_and_times_each_batch(
    tenant: Tenant, resources: Resources, settings: Settings
) -> None:
    source, analyser, batches = counted()
    response = await post(
        tenant,
        [
            mention("Livraison rapide, merci !"),
            mention("Colis perdu, SAV injoignable"),
            mention("whatever", sentiment=-0.8, language="en"),
        ],
    )
    assert response.status_code == 202, response.text
    batch = response.json()

    await analysed(tenant, resources, settings, batch)
    assert counted() == (source + 1, analyser + 2, batches + 1)

    await analysed(tenant, resources, settings, batch)  # a replay: the batch is done
    assert counted() == (source + 1, analyser + 2, batches + 1)
