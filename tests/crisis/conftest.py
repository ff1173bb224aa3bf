"""The real receiver and the real arq worker the webhook tests use, for the crisis tests."""

from tests.helpers.receiver import receiver  # noqa: F401  (fixture)
from tests.helpers.worker import fast_settings, start_worker  # noqa: F401  (fixtures)
