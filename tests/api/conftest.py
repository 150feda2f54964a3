"""The API's boundary is tried with the supplier and accounts-payable organisations."""

from tests.invoices.conftest import aporg, receive
from tests.suppliers.conftest import sanctions, sorg

__all__ = ["aporg", "receive", "sanctions", "sorg"]
