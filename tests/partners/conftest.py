"""Fixtures of the partner tests: policy templates of the session partner ("Test Partners",
tenant_a and tenant_b); support access: the partner's support person on the public host, the
tenant's admin, and walking through the hand-off into a tenant's portal."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client as PageClient
from rest_framework.test import APIClient

from apps.accounts.models import MonthlySignIn, User
from apps.inbox.models import MailMessage
from apps.invoices.models import Invoice
from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.procurement.models import PurchaseOrder, Requisition
from apps.suppliers.models import Supplier
from apps.tenancy.context import public_context
from tests.conftest import PASSWORD
from tests.invoices.conftest import aporg, receive

__all__ = ["aporg", "receive"]  # shared with tests/invoices


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
    """A browser signed in on `host` (the partner console is `localhost`, where a partner
    person signs in with both steps)."""
    from django.test import Client as BrowserClient

    from tests.conftest import PASSWORD, partner_signed_in

    if host == "localhost":
        return partner_signed_in(email)
    browser = BrowserClient(HTTP_HOST=host)
    response = browser.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return browser


def signed_in_api(email: str, host: str = "localhost") -> APIClient:
    if host == "localhost":  # the partner API: a token needs the authenticator's code
        from tests.conftest import partner_api_for

        return partner_api_for(email)  # type: ignore[no-any-return]
    client = APIClient(HTTP_HOST=host)
    response = client.post(
        "/api/v1/auth/token/", {"username": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def signed_in_page(email: str, host: str = "localhost") -> PageClient:
    if host == "localhost":  # the partner console: password and the authenticator's code
        from tests.conftest import partner_signed_in

        return partner_signed_in(email)  # type: ignore[no-any-return]
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


# Usage and plans: a hand-built month in tenant_a whose figures are known, in the tenant's own
# time zone (Europe/Berlin): rows made directly with the timestamps the figures read, and rows
# just outside the month (by an hour either side of a local midnight) that must not count.
#
# October 2026 in Berlin runs from 2026-09-30 22:00 UTC (summer time) to 2026-10-31 23:00 UTC
# (winter time). Known answers: active users 2 (requester, approver; the buyer signed in only
# in September, a supplier's portal user and a service account are no people of the plan);
# requisitions 2; purchase orders 1; invoices api 2, email 1 (a credit note aside); e-mails 2
# (one filed, one quarantined).

MONTH = date(2026, 10, 1)
FIRST = datetime(2026, 9, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 October in Berlin
BEFORE = datetime(2026, 9, 30, 21, 30, tzinfo=UTC)  # 23:30 on 30 September in Berlin
LAST = datetime(2026, 10, 31, 22, 30, tzinfo=UTC)  # 23:30 on 31 October in Berlin
AFTER = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 November in Berlin
_serial = itertools.count(1)


def partner_client(email: str) -> APIClient:
    from tests.conftest import partner_api_for

    return partner_api_for(email)  # type: ignore[no-any-return]


def requisition(org: Any, created: datetime) -> Requisition:
    found = Requisition.objects.create(
        number=f"U-{next(_serial)}",
        title="Toner",
        requester=org.requester,
        cost_center=CostCenter.objects.get(code="CC-100"),
        spend_category=SpendCategory.objects.get(code="IT-HW"),
        legal_entity=LegalEntity.objects.get(code="US01"),
        currency="USD",
    )
    Requisition.objects.filter(pk=found.pk).update(created_at=created)
    return found


def purchase_order(org: Any, supplier: Supplier, issued: datetime) -> None:
    req = requisition(org, BEFORE)
    order = PurchaseOrder.objects.create(
        number=f"PO-U{next(_serial)}",
        requisition=req,
        supplier=supplier,
        legal_entity=req.legal_entity,
        currency="USD",
        total=Decimal("10.00"),
    )
    PurchaseOrder.objects.filter(pk=order.pk).update(issued_at=issued)


def invoice(supplier: Supplier, created: datetime, channel: str, kind: str = "invoice") -> None:
    n = next(_serial)
    found = Invoice.objects.create(
        supplier=supplier,
        kind=kind,
        invoice_number=f"U-{n}",
        number_key=f"u{n}",
        invoice_date=created.date(),
        currency="USD",
        total=Decimal("100.00"),
        payable=Decimal("100.00"),
        channel=channel,
    )
    Invoice.objects.filter(pk=found.pk).update(created_at=created)


def mail(received: datetime, status: str) -> None:
    found = MailMessage.objects.create(
        message_id=f"u{next(_serial)}@contoso.test",
        source="api",
        status=status,
        reason="unknown_sender" if status == "quarantined" else "",
    )
    MailMessage.objects.filter(pk=found.pk).update(received_at=received)


@pytest.fixture
def month_built(org: Any, make_user: Any, in_tenant: Any) -> Any:
    """tenant_a in Berlin with October 2026 built (see the module's docstring)."""
    tenant = org.tenant
    tenant.time_zone = "Europe/Berlin"
    tenant.save(update_fields=["time_zone"])
    contact = make_user(tenant, "contact", ["supplier"])
    with in_tenant(tenant):
        service = User.objects.create(email="robot@a.test", is_service_account=True)
        supplier = Supplier.objects.create(
            name="Usage Supplies", country="DE", status=Supplier.Status.APPROVED
        )
        for user, at in (
            (org.requester, FIRST),
            (org.approver, LAST),
            (contact, FIRST),
            (service, FIRST),
        ):
            MonthlySignIn.objects.create(user=user, month=MONTH, first_at=at, last_at=at)
        MonthlySignIn.objects.create(
            user=org.buyer, month=date(2026, 9, 1), first_at=BEFORE, last_at=BEFORE
        )
        requisition(org, FIRST)
        requisition(org, LAST)
        requisition(org, AFTER)  # BEFORE: the purchase orders' requisitions below
        purchase_order(org, supplier, LAST)
        purchase_order(org, supplier, AFTER)
        invoice(supplier, FIRST, "api")
        invoice(supplier, LAST, "api")
        invoice(supplier, datetime(2026, 10, 15, 9, tzinfo=UTC), "email")
        invoice(supplier, datetime(2026, 10, 15, 9, tzinfo=UTC), "api", kind="credit_note")
        invoice(supplier, BEFORE, "api")
        invoice(supplier, AFTER, "email")
        mail(FIRST, "received")
        mail(LAST, "quarantined")
        mail(BEFORE, "received")
        mail(AFTER, "quarantined")
    return tenant
