"""Packs and reports read every context: they reuse the accounts-payable organisation."""

from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]
