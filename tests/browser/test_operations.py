"""In the browser: a tenant admin opens the operator's page from the menu and finds the
failing webhook endpoint named, with its last error, and its dead delivery to send again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.browser.test_requisition_flow import sign_in

pytestmark = pytest.mark.browser
URL = "https://erp-bridge.example/spendgate-hooks"


def test_admin_sees_a_failing_endpoint_with_its_last_error(
    page: Any, live_server_url: str, browser_users: dict[str, str], django_db_blocker: Any
) -> None:
    from django.db import transaction
    from django.utils import timezone

    from apps.events.models import OutboxEvent
    from apps.integrations.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Client

    with django_db_blocker.unblock():
        tenant = Client.objects.get(slug="tenanta")
    with django_db_blocker.unblock(), tenant_context(tenant), transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=URL, secret_encrypted="x", failing_since=timezone.now() - timedelta(hours=3)
        )
        event = OutboxEvent.objects.create(
            event_type="invoice.approved", subject_type="invoice", subject_id="x", payload={}
        )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, status="dead", attempts=8, last_status_code=502
        )
        DeliveryAttempt.objects.create(
            delivery=delivery, at=timezone.now(), status_code=502, error="Bad gateway from proxy"
        )
    try:
        base = live_server_url.format(host="a.localhost")
        sign_in(page, base, browser_users["tenanta"])
        page.click("[data-menu=operations]")
        page.wait_for_url(base + "/settings/operations/")
        row = page.locator(f"[data-testid=failing-connectors] [data-endpoint='{endpoint.pk}']")
        assert URL in row.inner_text()
        assert "HTTP 502: Bad gateway from proxy" in row.get_by_test_id("last-error").inner_text()
        dead = page.locator(f"[data-delivery='{delivery.pk}']")
        dead.get_by_role("button", name="Send again").click()
        page.wait_for_url(base + "/settings/operations/")
        assert "The delivery is being sent again." in page.inner_text(".messages")
        assert page.locator(f"[data-delivery='{delivery.pk}']").count() == 0
    finally:
        with django_db_blocker.unblock(), tenant_context(tenant):
            WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
            OutboxEvent.objects.filter(pk=event.pk).delete()
