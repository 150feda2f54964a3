"""`/settings/integrations/` as a tenant admin and an auditor would use it: endpoints added
with the secret shown once, switched, tested, recovered and removed; dead deliveries listed
and sent again; events named in words; the page's cost flat as deliveries grow."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client as BrowserClient

from apps.events.models import OutboxEvent
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import PASSWORD, count_queries, host_of
from tests.org import Org
from tests.portal.test_words import visible_text

pytestmark = pytest.mark.django_db
PAGE = "/settings/integrations/"
PUBLIC = "https://93.184.216.34/hooks"


def _signed_in(tenant: Any, user: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST=host_of(tenant))
    assert (
        browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    )
    return browser


def _dead(endpoint: WebhookEndpoint, n: int) -> None:
    for _i in range(n):
        event = OutboxEvent.objects.create(
            event_type="invoice.approved", subject_type="invoice", subject_id="x", payload={}
        )
        WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, status="dead", attempts=8, last_status_code=500
        )


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(org: Org, in_tenant: Any) -> None:
    browser = _signed_in(org.tenant, org.admin)
    added = browser.post(
        PAGE,
        {"url": PUBLIC, "description": "ERP bridge", "event_types": ["requisition.submitted"]},
    )
    assert added.status_code == 200
    html = added.content.decode()
    assert 'data-testid="secret"' in html
    with in_tenant(org.tenant):
        endpoint = WebhookEndpoint.objects.get()
    secret = html.split('data-copy="', 2)[1].split('"', 1)[0]
    assert secret.startswith("whsec_")
    again = browser.get(PAGE).content.decode()
    assert secret not in again and PUBLIC in again
    text = visible_text(again)
    assert "Requisition submitted" in text and "requisition.submitted" not in text
    refused = browser.post(PAGE, {"url": "http://10.1.1.1/hook"}).content.decode()
    assert "10.1.1.1 leads to 10.1.1.1, an address of a private or reserved network." in refused
    rotated = browser.post(
        PAGE, {"rotate": str(endpoint.pk), "confirmation": "given"}
    ).content.decode()
    new = rotated.split('data-copy="', 2)[1].split('"', 1)[0]
    assert new.startswith("whsec_") and new != secret


def test_switch_test_recover_and_remove_from_the_page(org: Org, in_tenant: Any) -> None:
    from apps.integrations.services.endpoints import endpoint_create

    with in_tenant(org.tenant), transaction.atomic():
        endpoint, _secret = endpoint_create(actor=org.admin, data={"url": PUBLIC})
        _dead(endpoint, 1)
    browser = _signed_in(org.tenant, org.admin)
    base = f"{PAGE}endpoints/{endpoint.pk}"
    off = browser.post(f"{base}/disable/", {"confirmation": "given"}, follow=True).content.decode()
    assert "Switched off." in off
    refused = browser.post(f"{base}/test/", follow=True).content.decode()
    assert "Switch the endpoint on before sending it a test event." in refused
    assert "Switched on." in browser.post(f"{base}/enable/", follow=True).content.decode()
    assert (
        "A test event is on its way." in browser.post(f"{base}/test/", follow=True).content.decode()
    )
    bad = browser.post(f"{base}/recover/", {"since": "yesterday"}, follow=True).content.decode()
    assert "Give the time to recover from" in bad
    page = browser.get(PAGE).content.decode()
    assert 'data-testid="dead-letters"' in page and "HTTP 500" in page
    with in_tenant(org.tenant):
        dead = WebhookDelivery.objects.get(status="dead")
    sent = browser.post(f"{PAGE}deliveries/{dead.pk}/retry/", follow=True).content.decode()
    assert "The delivery is being sent again." in sent
    with in_tenant(org.tenant):
        dead.refresh_from_db()
        assert dead.status == "pending" and dead.attempts == 0
        _dead(endpoint, 2)
    recovered = browser.post(
        f"{base}/recover/", {"since": "2020-01-01 00:00"}, follow=True
    ).content.decode()
    assert "2 failed deliveries are being sent again." in recovered
    assert (
        "Removed."
        in browser.post(f"{base}/delete/", {"confirmation": "given"}, follow=True).content.decode()
    )
    with in_tenant(org.tenant):
        assert not WebhookEndpoint.objects.exists()


def test_auditors_read_the_page_and_change_nothing(
    org: Org, in_tenant: Any, make_user: Any
) -> None:
    from apps.integrations.services.endpoints import endpoint_create

    with in_tenant(org.tenant), transaction.atomic():
        endpoint, _secret = endpoint_create(actor=org.admin, data={"url": PUBLIC})
    auditor = make_user(org.tenant, "hooks-auditor", ["auditor"])
    browser = _signed_in(org.tenant, auditor)
    page = browser.get(PAGE).content.decode()
    assert PUBLIC in page and 'data-testid="add-endpoint"' not in page and "Rotate" not in page
    assert (
        browser.post(
            f"{PAGE}endpoints/{endpoint.pk}/disable/", {"confirmation": "given"}
        ).status_code
        == 403
    )
    assert browser.post(PAGE, {"url": PUBLIC}).status_code == 403
    buyer = _signed_in(org.tenant, org.buyer)
    assert buyer.get(PAGE).status_code == 403


def test_the_page_costs_the_same_with_more_endpoints_and_dead_deliveries(
    org: Org, in_tenant: Any
) -> None:
    from apps.integrations.services.endpoints import endpoint_create

    browser = _signed_in(org.tenant, org.admin)

    def add(n: int) -> None:
        with in_tenant(org.tenant), transaction.atomic():
            for _i in range(n):
                endpoint, _secret = endpoint_create(actor=org.admin, data={"url": PUBLIC})
                _dead(endpoint, 3)

    add(1)
    few = count_queries(lambda: browser.get(PAGE))
    add(5)
    assert count_queries(lambda: browser.get(PAGE)) == few
