"""The webhook receiver of tests/integrations, for the traced deliveries."""

from tests.integrations.conftest import receiver  # noqa: F401
