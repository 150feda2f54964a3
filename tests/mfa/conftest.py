"""Step-up meets the three actions: the accounts-payable org (a run to release) and the
supplier org (a bank change to approve) of their own tests."""

from tests.invoices.conftest import aporg, receive
from tests.suppliers.conftest import sorg

__all__ = ["aporg", "receive", "sorg"]
