"""Exception queues and variance authority: the compliance queue is compliance's alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from apps.invoices.rules import may_work, variance_authority

pytestmark = pytest.mark.django_db


def test_the_compliance_queue_is_compliances_alone(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        assert may_work(sorg.compliance, "compliance") is True
        assert may_work(sorg.clerk, "compliance") is False
        assert may_work(sorg.clerk, "ap") is True
        assert variance_authority(sorg.org.requester) == Decimal("0")
        assert variance_authority(sorg.clerk) == Decimal("100")
