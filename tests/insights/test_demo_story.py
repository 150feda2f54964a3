"""The demo's history tells insights' story (docs/insights.md): a touchless rate near the
market average, one supplier behind most price variances with a tolerance that would have
raised half as many, and one slow approval step (the cost center manager's, over a day)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from apps.accounts.models import User
from apps.controls.periods import period_of
from apps.insights.figures import insights_figures
from apps.insights.signals import signals
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client

pytestmark = pytest.mark.django_db


def test_the_demo_tells_a_story(demo_data: None) -> None:
    with tenant_context(Client.objects.get(slug="tenanta")):
        manager = User.objects.get(email="apmanager@tenanta.example")
        answer = insights_figures(manager, period_of(None, None, ZoneInfo("UTC")))
        found = {s["kind"]: s for s in signals(answer)}
    invoices, exceptions = answer["invoices"], answer["exceptions"]
    print(
        invoices,
        exceptions["by_code"],
        exceptions["by_supplier"],
        answer["approvals"]["by_role"],
        found,
    )
    assert 0.15 <= invoices["touchless_rate"] <= 0.35
    assert max(exceptions["by_code"], key=exceptions["by_code"].get) == "price_variance"
    tolerance = found["tolerance"]
    assert tolerance["supplier"] == "Adventure Works Hardware"
    assert tolerance["category"] == "IT-HW" and tolerance["percent"] == 5
    assert tolerance["accepted"] * 2 >= tolerance["raised"] >= 6
    assert found["slow_step"]["role"] == "cost_center_manager"
