from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]
