"""Job handlers by domain; importing this package registers them all."""

from services.worker.jobs import kpis, listening, metrics

__all__ = ["kpis", "listening", "metrics"]
