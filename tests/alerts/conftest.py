"""Alerts read every context: the accounts-payable organisation builds their conditions."""

from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]
