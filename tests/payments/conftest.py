"""Paying reuses the accounts-payable fixtures: the org, AP people, a supplier, paying accounts."""

from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]
