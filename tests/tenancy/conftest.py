"""Tenancy tests reach every context (a backup holds all of them)."""

from tests.invoices.conftest import aporg, receive
from tests.suppliers.conftest import sanctions, sorg

__all__ = ["aporg", "receive", "sanctions", "sorg"]
