"""Job handlers by domain; importing this package registers them all."""

from services.worker.jobs import attribution, kpis, listening, metrics, segments

__all__ = ["attribution", "kpis", "listening", "metrics", "segments"]
