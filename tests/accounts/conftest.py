"""Account tests reach the supplier portal (a supplier user of each role test)."""

from tests.suppliers.conftest import sanctions, sorg

__all__ = ["sanctions", "sorg"]
