# ruff: noqa: F811  (the webhook receiver fixture is imported from tests/integrations)
"""A suspended tenant: sign-in refused with a sentence, sessions and tokens stopped at once,
its data kept, its webhooks paused (deliveries held, no attempt spent, the failing clock
stopped) and sent after resume, its mail held by the sender's server, and no periodic work
(no escalation fires at people who cannot sign in)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client as BrowserClient
from django.utils import timezone

from apps.accounts.models import User
from apps.integrations.models import WebhookDelivery
from apps.integrations.tasks import deliver_webhooks, dispatch_outbox
from apps.tenancy.context import public_context
from apps.tenancy.models import Client
from apps.tenancy.services import tenant_set_status
from tests.conftest import PASSWORD
from tests.integrations.conftest import Receiver, receiver  # noqa: F401
from tests.integrations.test_webhook_delivery import _endpoint, _submitted
from tests.org import Org

pytestmark = pytest.mark.django_db

SUSPENDED = "This portal is suspended. Contact your service partner."


def _partner() -> Any:
    return User.objects.get(email="partner@partner.test")


def _suspend(tenant: Client) -> Client:
    with public_context(), transaction.atomic():
        return tenant_set_status(
            actor=_partner(),
            client=tenant,
            status="suspended",
            reason="Invoices unpaid for 90 days.",
            confirm_name=tenant.name,
        )


def _resume(tenant: Client) -> Client:
    with public_context(), transaction.atomic():
        return tenant_set_status(
            actor=_partner(), client=tenant, status="active", reason="Paid in full."
        )


def test_sign_in_is_refused_with_a_sentence_on_the_page_and_the_token_endpoint(
    tenant_a: Client, make_user: Any
) -> None:
    user = make_user(tenant_a, "requester", ["requester"])
    _suspend(tenant_a)
    page = BrowserClient(HTTP_HOST="a.localhost").post(
        "/login/", {"username": user.email, "password": PASSWORD}
    )
    assert page.status_code == 403 and SUSPENDED in page.content.decode()
    assert "_auth_user_id" not in page.client.session  # not signed in
    token = BrowserClient(HTTP_HOST="a.localhost").post(
        "/api/v1/auth/token/",
        {"username": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 403
    assert token.json() == {"code": "tenant_suspended", "detail": SUSPENDED}


def test_sessions_and_tokens_stop_at_once_and_the_data_is_kept(
    tenant_a: Client, make_user: Any, api_for: Any, in_tenant: Any
) -> None:
    user = make_user(tenant_a, "requester", ["requester"])
    api = api_for(tenant_a, user)
    browser = BrowserClient(HTTP_HOST="a.localhost")
    assert (
        browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    )
    assert browser.get("/").status_code == 200 and api.get("/api/v1/tasks/").status_code == 200
    with in_tenant(tenant_a):
        people = User.objects.count()
    _suspend(tenant_a)
    assert browser.get("/").status_code == 403
    refused = api.get("/api/v1/tasks/")
    assert refused.status_code == 403 and refused.json()["code"] == "tenant_suspended"
    with in_tenant(tenant_a):
        assert User.objects.count() == people  # nothing deleted
    _resume(tenant_a)
    # resumed: the same session and token work again (integrations need no new keys)
    assert browser.get("/").status_code == 200 and api.get("/api/v1/tasks/").status_code == 200


def test_webhooks_are_held_while_suspended_and_sent_after_resume(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    with in_tenant(org.tenant):
        endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
    _suspend(org.tenant)
    with in_tenant(org.tenant):
        _submitted(org)  # a change made before the suspension reached the outbox
        dispatch_outbox()
        assert deliver_webhooks() == 0
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert (delivery.status, delivery.attempts) == ("pending", 0)
        assert not delivery.attempt_log.exists()
    assert receiver.got == []
    _resume(org.tenant)
    with in_tenant(org.tenant):
        assert deliver_webhooks() == 1
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    assert len(receiver.got) == 1


def test_the_failing_endpoints_five_day_clock_stands_still_while_suspended(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    receiver.answer(500)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        with in_tenant(org.tenant):
            endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
            endpoint.failing_since = start - timedelta(days=4)  # failing for 4 days already
            endpoint.save(update_fields=["failing_since"])
        _suspend(org.tenant)
        clock.move_to(start + timedelta(days=10))  # ten days suspended
        with in_tenant(org.tenant):
            _submitted(org)
            dispatch_outbox()
            assert receiver.got == []
        _resume(org.tenant)
        with in_tenant(org.tenant):
            deliver_webhooks()
            endpoint.refresh_from_db()
    assert len(receiver.got) == 1  # the held delivery went out, and failed
    # 4 days of failure before the suspension, not 14: the endpoint stays enabled
    assert endpoint.enabled
    assert endpoint.failing_since == start - timedelta(days=4) + timedelta(days=10)


def test_beat_gives_a_suspended_tenant_no_periodic_work(tenant_a: Client) -> None:
    """Escalations, renewal reminders, matching, mailbox polls and deliveries: beat sends them
    to active tenants only; the public schema's own tasks still run."""
    from apps.alerts.scheduler import AlertingScheduler, platform_alerts_evaluate
    from apps.tenancy.context import current_schema

    def sent_to(name: str, headers: dict[str, Any]) -> list[str]:
        scheduler = AlertingScheduler.__new__(AlertingScheduler)
        schemas: list[str] = []

        def apply_async(entry: Any, producer: Any = None, advance: bool = False) -> Any:
            schemas.append(current_schema())
            return SimpleNamespace(id="sent")

        scheduler.apply_async = apply_async  # type: ignore[method-assign]
        entry = SimpleNamespace(name=name, task=name, kwargs={}, options={"headers": headers})
        scheduler.apply_entry(entry)
        return schemas

    escalations = {"_all_tenants_only": True}
    assert {"tenanta", "tenantb"} <= set(sent_to("sweep-approval-slas", escalations))
    _suspend(tenant_a)
    sent = sent_to("sweep-approval-slas", escalations)
    assert "tenanta" not in sent and "tenantb" in sent
    assert sent_to("complete-due-offboardings", {"_schema_name": "public"}) == ["public"]
    # beat's own platform alerts (a stopped worker) skip it too
    evaluated = platform_alerts_evaluate()
    _resume(tenant_a)
    assert platform_alerts_evaluate() == evaluated + 1
    assert "tenanta" in sent_to("sweep-approval-slas", escalations)


def test_mail_to_a_suspended_tenant_is_left_with_the_senders_server(tenant_a: Client) -> None:
    from apps.inbox.models import MailMessage
    from apps.inbox.smtp import deliver, mailbox_paused
    from apps.tenancy.context import tenant_context

    raw = (
        b"From: billing@supplier.test\r\nTo: invoices@a.localhost\r\n"
        b"Subject: Invoice 7\r\nMessage-ID: <held-7@supplier.test>\r\n\r\nSee attached.\r\n"
    )
    assert not mailbox_paused("invoices@a.localhost")
    _suspend(tenant_a)
    assert mailbox_paused("invoices@a.localhost")
    assert not mailbox_paused("invoices@b.localhost")
    answer = deliver(raw, ["invoices@a.localhost"])
    assert answer.startswith("451 4.2.1")  # temporary: the sender's server keeps it, retries
    with tenant_context(tenant_a):
        assert not MailMessage.objects.filter(message_id="held-7@supplier.test").exists()
    _resume(tenant_a)
    assert deliver(raw, ["invoices@a.localhost"]).startswith("250")


def test_resume_is_refused_while_offboarding(tenant_a: Client) -> None:
    from apps.controls.refusals import InvalidTransition

    _suspend(tenant_a)
    Client.objects.filter(pk=tenant_a.pk).update(status="offboarding")
    tenant_a.refresh_from_db()
    with pytest.raises(InvalidTransition) as refused, transaction.atomic():
        _resume(tenant_a)
    assert "cancel the offboarding first" in refused.value.detail
    assert BrowserClient(HTTP_HOST="a.localhost").get("/login/").status_code == 403
