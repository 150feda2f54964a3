"""Fixtures of the partner tests: policy templates of the session partner ("Test Partners",
tenant_a and tenant_b); support access: the partner's support person on the public host, the
tenant's admin, and walking through the hand-off into a tenant's portal."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client as PageClient
from rest_framework.test import APIClient

from apps.tenancy.context import public_context
from tests.conftest import PASSWORD, host_of
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


def signed_in_api(email: str, host: str = "localhost") -> APIClient:
    client = APIClient(HTTP_HOST=host)
    response = client.post(
        "/api/v1/auth/token/", {"username": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def signed_in_page(email: str, host: str = "localhost") -> PageClient:
    page = PageClient(HTTP_HOST=host)
    response = page.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return page


@pytest.fixture
def support_api(db: None) -> APIClient:
    return signed_in_api("support@partner.test")


@pytest.fixture
def support_user(db: None) -> Any:
    from apps.accounts.models import User

    return User.objects.get(email="support@partner.test")


@pytest.fixture
def admin_a(tenant_a: Any, make_user: Any) -> Any:
    return make_user(tenant_a, "admin", ["tenant_admin"])


@pytest.fixture
def admin_api_a(tenant_a: Any, admin_a: Any, api_for: Any) -> APIClient:
    return api_for(tenant_a, admin_a)


def ask(api: APIClient, tenant: str = "tenanta", **body: Any) -> Any:
    return api.post(
        "/api/v1/partner/access-requests/",
        {"tenant": tenant, "reason": "Invoices stuck in matching", "hours": 2, **body},
        format="json",
    )


def ticket_url(console: PageClient, grant_id: Any) -> str:
    """The tenant address the console's "Open the portal" sends the browser to."""
    response = console.post(f"/partner/support/{grant_id}/open/")
    assert response.status_code == 302, response.content
    return response["Location"]


def enter(url: str) -> tuple[PageClient, Any]:
    """Follow the hand-off on the tenant's host: a page client signed in as the stand-in."""
    parts = urlsplit(url)
    page = PageClient(HTTP_HOST=parts.hostname)
    return page, page.get(parts.path)


@pytest.fixture
def granted(tenant_a: Any, support_api: APIClient, admin_api_a: APIClient) -> Any:
    """A read grant of support@partner.test on tenant A, approved by its admin."""

    def make(**body: Any) -> dict[str, Any]:
        asked = ask(support_api, **body)
        assert asked.status_code == 201, asked.content
        approved = admin_api_a.post(f"/api/v1/access-grants/{asked.json()['id']}/approve/")
        assert approved.status_code == 200, approved.content
        return approved.json()

    return make


@pytest.fixture
def inside(granted: Any) -> Any:
    """Signed in on tenant A's host under a fresh read grant: (page client, grant)."""

    def make(**body: Any) -> tuple[PageClient, dict[str, Any]]:
        grant = granted(**body)
        console = signed_in_page("support@partner.test")
        page, response = enter(ticket_url(console, grant["id"]))
        assert response.status_code == 302 and response["Location"] == "/", response.content
        return page, grant

    return make


__all__ = ["PASSWORD", "host_of"]
