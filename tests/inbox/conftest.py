"""The invoice fixtures (an AP organisation with an approved supplier) for e-mail intake, and
the upstream MTA the tests trust (its Authentication-Results verify a sender)."""

from typing import Any

import pytest

from tests.invoices.conftest import aporg

__all__ = ["aporg"]

TRUSTED_MTA = "mx.spendgate.test"


@pytest.fixture(autouse=True)
def _trusted_upstream(settings: Any) -> None:
    settings.INVOICE_MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED_MTA]
