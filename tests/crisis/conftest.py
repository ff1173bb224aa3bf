"""The webhook tests' real receiver and real arq worker, for the crisis tests."""

from tests.webhooks.conftest import fast_settings, receiver, start_worker

__all__ = ["fast_settings", "receiver", "start_worker"]
