"""The operator's pages: `/settings/operations/` shows a tenant admin this tenant's queues,
failing connectors with their last error, dead letters sent again from the page, the last
audit-chain check and the platform's readiness; `/partner/operations/` shows a partner its
own clients' rolled-up health. Both refuse everyone else, and neither grows in queries with
rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from apps.accounts.models import User
from apps.assurance.models import ChainCheck
from apps.events.models import OutboxEvent
from apps.integrations.models import (
    DeliveryAttempt,
    ErpConnection,
    InboundEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.monitoring import operations
from apps.tenancy.models import Client, ClientDay, Partner
from tests.conftest import PASSWORD, count_queries, host_of, partner_signed_in
from tests.org import Org

pytestmark = pytest.mark.django_db
PAGE = "/settings/operations/"
PARTNER_PAGE = "/partner/operations/"


def _signed_in(host: str, email: str) -> BrowserClient:
    if host == "localhost":  # the partner console: password and a code
        return partner_signed_in(email)
    browser = BrowserClient(HTTP_HOST=host)
    assert browser.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return browser


def _event() -> OutboxEvent:
    return OutboxEvent.objects.create(
        event_type="invoice.approved", subject_type="invoice", subject_id="x", payload={}
    )


def _failing_endpoint(n: int, error: str = "connection refused") -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(
        url=f"https://hooks{n}.example/in",
        secret_encrypted="x",
        failing_since=timezone.now() - timedelta(hours=2),
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=_event(), status="dead", attempts=8, last_error=error
    )
    at = timezone.now() - timedelta(minutes=30)
    DeliveryAttempt.objects.create(delivery=delivery, at=at - timedelta(hours=1), error="old one")
    DeliveryAttempt.objects.create(delivery=delivery, at=at, error=error)
    return endpoint


def _failing_erp(n: int) -> ErpConnection:
    erp = ErpConnection.objects.create(name=f"SAP {n}", secret_encrypted="x")
    InboundEvent.objects.create(
        connection=erp,
        message_id=f"m{n}",
        event_type="payment.executed",
        status="failed",
        reason=f"No invoice INV-{n} of this supplier.",
    )
    return erp


def test_an_admin_sees_what_waits_what_fails_and_the_chain(org: Org, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        _event()  # an event waiting to be dispatched
        _failing_endpoint(1, error="HTTPSConnectionPool: connection refused")
        WebhookEndpoint.objects.create(
            url="https://off.example/in",
            secret_encrypted="x",
            enabled=False,
            disabled_reason="Every delivery failed for 5 days.",
        )
        WebhookEndpoint.objects.create(url="https://fine.example/in", secret_encrypted="x")
        _failing_erp(7)
        ChainCheck.objects.create(valid=True, count=42, trigger="nightly")
    html = _signed_in(host_of(org.tenant), org.admin.email).get(PAGE).content.decode()
    queues = html[html.index('data-testid="queues"') : html.index('data-testid="failing-')]
    assert 'data-queue="outbox"' in queues and "Events waiting to be dispatched" in queues
    assert "/exceptions/?status=overdue" in queues and "/invoices/?status=received" in queues
    failing = html[html.index('data-testid="failing-connectors"') :]
    failing = failing[: failing.index('data-testid="dead-letters"')]
    assert "https://hooks1.example/in" in failing
    assert "HTTPSConnectionPool: connection refused" in failing and "old one" not in failing
    assert "https://off.example/in" in failing and "Every delivery failed for 5 days." in failing
    assert "fine.example" not in failing
    assert "SAP 7" in failing and "No invoice INV-7 of this supplier." in failing
    dead = html[html.index('data-testid="dead-letters"') :]
    assert "1 dead webhook delivery" in dead and "1 ERP event not applied" in dead
    assert "/settings/integrations/inbound/" in dead and "/reapply/" in dead
    chain = html[html.index('data-testid="chain-check"') :]
    assert "intact" in chain and "42 events" in chain
    platform = html[html.index('data-testid="platform"') :]
    for check in ("database", "cache", "migrations", "worker", "beat"):
        assert f'data-check="{check}"' in platform
    alerts = html[html.index('data-testid="alerts"') :]
    assert "No open alert." in alerts


def test_a_dead_delivery_is_sent_again_from_the_page_and_the_page_answers(
    org: Org, in_tenant: Any
) -> None:
    with in_tenant(org.tenant):
        delivery = _failing_endpoint(1).deliveries.get()
    browser = _signed_in(host_of(org.tenant), org.admin.email)
    page = browser.get(PAGE).content.decode()
    assert f"/settings/integrations/deliveries/{delivery.pk}/retry/" in page
    answer = browser.post(
        f"/settings/integrations/deliveries/{delivery.pk}/retry/", {"next": PAGE}, follow=True
    )
    assert answer.redirect_chain[-1][0] == PAGE
    assert "The delivery is being sent again." in answer.content.decode()
    with in_tenant(org.tenant):
        delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    # any other `next` is not followed: the integrations page answers, as before
    with in_tenant(org.tenant):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status="dead")
    elsewhere = browser.post(
        f"/settings/integrations/deliveries/{delivery.pk}/retry/",
        {"next": "https://evil.example/"},
    )
    assert elsewhere["Location"] == "/settings/integrations/"


def test_the_page_is_refused_to_everyone_but_tenant_admins(
    org: Org, make_user: Any, in_tenant: Any
) -> None:
    auditor = make_user(org.tenant, "ops-auditor", ["auditor"])
    for person in (org.requester, org.finance, auditor):
        assert _signed_in(host_of(org.tenant), person.email).get(PAGE).status_code == 403
    anonymous = BrowserClient(HTTP_HOST=host_of(org.tenant)).get(PAGE)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    # the replay it links to refuses them as well
    with in_tenant(org.tenant):
        delivery = _failing_endpoint(1).deliveries.get()
    requester = _signed_in(host_of(org.tenant), org.requester.email)
    url = f"/settings/integrations/deliveries/{delivery.pk}/retry/"
    assert requester.post(url, {"next": PAGE}).status_code == 403
    with in_tenant(org.tenant):
        assert WebhookDelivery.objects.get(pk=delivery.pk).status == "dead"


def test_the_tenant_pages_queries_do_not_grow_with_rows(org: Org, in_tenant: Any) -> None:
    browser = _signed_in(host_of(org.tenant), org.admin.email)
    with in_tenant(org.tenant):
        _failing_endpoint(0)
        _failing_erp(0)
    browser.get(PAGE)  # readiness keeps its migration answer for a minute
    few = count_queries(lambda: browser.get(PAGE))
    with in_tenant(org.tenant):
        for n in range(1, 13):
            _failing_endpoint(n)
            _failing_erp(n)
            _event()
    many = count_queries(lambda: browser.get(PAGE))
    assert "https://hooks12.example/in" in browser.get(PAGE).content.decode()
    assert many == few


def test_open_alerts_are_listed_with_the_page_to_act_on(org: Any, in_tenant: Any) -> None:
    from apps.alerts.rules import Condition
    from apps.alerts.services import alert_raise, alert_resolve

    with in_tenant(org.tenant):
        for key in ("open", "cleared"):
            condition = Condition(
                "audit_chain_broken", "platform", key, f"Trail {key}", "/audit/", "x"
            )
            alert = alert_raise(condition=condition, now=timezone.now())
        assert alert is not None
        alert_resolve(alert_id=alert.pk, now=timezone.now())
        assert [a.subject for a in operations.open_alerts()] == ["Trail open"]
    html = _signed_in(host_of(org.tenant), org.admin.email).get(PAGE).content.decode()
    alerts = html[html.index('data-testid="alerts"') :].split("</section>", 1)[0]
    assert '<a href="/audit/">Trail open</a>' in alerts and "Trail cleared" not in alerts
    assert "Platform" in alerts


# the partner's page


@pytest.fixture
def health_days(tenant_a: Any, tenant_b: Any) -> None:
    today = timezone.now().date()
    for client, health in (
        (tenant_a, {"failing_webhooks": 2, "failing_erp": 1, "stuck_tasks": 3}),
        (tenant_b, {"failing_webhooks": 0, "failing_erp": 0, "stuck_tasks": 0}),
    ):
        # an older day with other figures: only the latest counts
        ClientDay.objects.create(
            client=client,
            day=today - timedelta(days=1),
            health={"failing_webhooks": 9, "failing_erp": 9, "stuck_tasks": 9},
            computed_at=timezone.now() - timedelta(days=1),
        )
        ClientDay.objects.create(
            client=client,
            day=today,
            health=health,
            exceptions_overdue=4,
            computed_at=timezone.now(),
        )


def _row(html: str, slug: str) -> str:
    start = html.index(f'data-tenant="{slug}"')
    return html[start : html.index("</tr>", start)]


def test_a_partner_sees_each_own_clients_latest_health(health_days: None) -> None:
    html = _signed_in("localhost", "partner@partner.test").get(PARTNER_PAGE).content.decode()
    row_a = _row(html, "tenanta")
    assert "3 problems" not in row_a and "6 problems" in row_a
    assert ">2<" in row_a and ">1<" in row_a and ">3<" in row_a and ">4<" in row_a
    assert ">9<" not in row_a
    assert "Healthy" in _row(html, "tenantb")
    platform = html[html.index('data-testid="platform"') :]
    assert 'data-check="worker"' in platform and 'data-check="beat"' in platform


def test_a_partner_never_sees_another_partners_tenants(tenant_b: Any, health_days: None) -> None:
    rival = Partner.objects.get(name="Rival Partners")
    Client.objects.filter(pk=tenant_b.pk).update(partner=rival)
    ours = _signed_in("localhost", "partner@partner.test").get(PARTNER_PAGE).content.decode()
    theirs = _signed_in("localhost", "other@rival.test").get(PARTNER_PAGE).content.decode()
    assert 'data-tenant="tenanta"' in ours and 'data-tenant="tenantb"' not in ours
    assert 'data-tenant="tenantb"' in theirs and 'data-tenant="tenanta"' not in theirs
    assert "Tenant A" not in theirs


def test_the_partner_page_refuses_who_is_no_partner(org: Org) -> None:
    User.objects.create_user(email="plain@public.test", password=PASSWORD)
    assert _signed_in("localhost", "plain@public.test").get(PARTNER_PAGE).status_code == 403
    anonymous = BrowserClient(HTTP_HOST="localhost").get(PARTNER_PAGE)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    # a tenant's host has no partner page, and a tenant admin does not reach it
    tenant_admin = _signed_in(host_of(org.tenant), org.admin.email)
    assert tenant_admin.get(PARTNER_PAGE).status_code == 404


def test_the_partner_pages_queries_do_not_grow_with_tenants_or_days(health_days: None) -> None:
    browser = _signed_in("localhost", "partner@partner.test")
    browser.get(PARTNER_PAGE)
    few = count_queries(lambda: browser.get(PARTNER_PAGE))
    partner = Partner.objects.get(name="Test Partners")
    # rows only: the page never opens a tenant's schema
    more = Client.objects.bulk_create(
        Client(schema_name=f"many{i}", slug=f"many{i}", name=f"Many {i}", partner=partner)
        for i in range(4)
    )
    ClientDay.objects.bulk_create(
        ClientDay(
            client=c,
            day=timezone.now().date() - timedelta(days=d),
            health={"stuck_tasks": d},
            computed_at=timezone.now(),
        )
        for c in more
        for d in range(3)
    )
    many = count_queries(lambda: browser.get(PARTNER_PAGE))
    assert 'data-tenant="many3"' in browser.get(PARTNER_PAGE).content.decode()
    assert many == few
