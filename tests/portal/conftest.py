"""Home pages reach every context."""

from tests.invoices.conftest import aporg, receive
from tests.suppliers.conftest import sanctions, sorg

__all__ = ["aporg", "receive", "sanctions", "sorg"]
