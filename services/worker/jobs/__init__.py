"""Job handlers by domain; importing this package registers them all."""

from services.worker.jobs import metrics

__all__ = ["metrics"]
