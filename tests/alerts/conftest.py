"""Alerts read every context: the accounts-payable organisation builds their conditions."""

from collections.abc import Iterator

import pytest

from apps.telemetry import heartbeats
from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]


@pytest.fixture(autouse=True)
def _no_worker_heartbeat() -> Iterator[None]:
    """The worker's heartbeat is the installation's (the broker's Redis, not rolled back with
    the test): each test starts and ends with none, as if no worker ever ran."""
    key = heartbeats.KEY.format("worker")
    heartbeats.broker_redis().delete(key)
    yield
    heartbeats.broker_redis().delete(key)
