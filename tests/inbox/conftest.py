"""The invoice fixtures (an AP organisation with an approved supplier) for e-mail intake."""

from tests.invoices.conftest import aporg

__all__ = ["aporg"]
