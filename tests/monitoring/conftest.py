"""The webhook tests' local receiver, for a delivery counted by result."""

from tests.integrations.conftest import receiver  # noqa: F401
