"""Policy templates of the session partner ("Test Partners", tenant_a and tenant_b)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.tenancy.context import public_context
from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]  # the preview replays an accounts-payable tenant's invoices

STANDARD = {
    "settings": {"budget_mode": "warn", "default_sla_hours": 24},
}
FIELDS = {"settings.budget_mode": "locked", "settings.default_sla_hours": "local"}


def partner_user(email: str = "partner@partner.test") -> Any:
    from apps.accounts.models import User

    with public_context():
        return User.objects.select_related("partner_membership__partner").get(email=email)


@pytest.fixture
def partner(db: None) -> Any:
    return partner_user()


@pytest.fixture
def template(partner: Any) -> Any:
    """ "Standard controls" v1: budget mode locked to warn, approval SLA local at 24 hours."""
    from apps.partners.policy_templates.services import template_create

    with public_context():
        return template_create(
            actor=partner, name="Standard controls", document=STANDARD, fields=FIELDS
        )


def version_of(template: Any, number: int = 1) -> Any:
    with public_context():
        return template.versions.select_related("template__partner").get(number=number)


def signed_in(host: str, email: str) -> Any:
    """A browser signed in on `host` (the partner console is `localhost`)."""
    from django.test import Client as BrowserClient

    from tests.conftest import PASSWORD

    browser = BrowserClient(HTTP_HOST=host)
    response = browser.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return browser
