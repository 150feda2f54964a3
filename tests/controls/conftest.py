"""Controls are tried on every context: the accounts-payable and supplier organisations."""

from tests.invoices.conftest import aporg, receive
from tests.suppliers.conftest import sanctions, sorg

__all__ = ["aporg", "receive", "sanctions", "sorg"]
