"""Delivering events to webhook endpoints, against a real HTTP receiver on 127.0.0.1: signed so
the Standard Webhooks library verifies them, retried on the contract's schedule with the same
`webhook-id`, dead after the last attempt, endpoints disabled by 410 and by 5 days of failure,
redirects not followed, each tenant's events to its own endpoints only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from standardwebhooks import Webhook

from apps.events.models import OutboxEvent
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.services.endpoints import endpoint_create, endpoint_rotate_secret
from apps.integrations.tasks import dispatch_outbox
from apps.integrations.webhooks.delivery import SCHEDULE, deliver_due
from apps.tenancy.models import Client
from apps.workflow.models import Notification
from tests import world
from tests.integrations.conftest import Receiver
from tests.org import Org

pytestmark = pytest.mark.django_db


def _endpoint(org: Org, receiver: Receiver, **data: Any) -> tuple[WebhookEndpoint, str]:
    with transaction.atomic():
        return endpoint_create(actor=org.admin, data={"url": receiver.url, **data})


def _submitted(org: Org) -> str:
    """A requisition submitted through the service: `requisition.submitted` in the outbox."""
    with transaction.atomic():
        requisition, _task = world.pending(org.requester)
    return str(requisition.pk)


def test_an_event_arrives_signed_and_verifies(org: Org, receiver: Receiver, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        endpoint, secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
        requisition_id = _submitted(org)
        dispatch_outbox()
        event = OutboxEvent.objects.get(event_type="requisition.submitted")
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    (headers, body, path) = receiver.got[0]
    assert len(receiver.got) == 1 and path == "/hooks"  # only the type it asked for
    assert headers["webhook-id"] == str(event.pk) and headers["content-type"] == "application/json"
    document = Webhook(secret).verify(body, headers)
    assert document["type"] == "requisition.submitted"
    assert document["data"]["id"] == requisition_id and document["data"]["number"].startswith(
        "REQ-"
    )
    assert datetime.fromisoformat(document["timestamp"]) == event.created_at
    assert delivery.status == "succeeded" and delivery.attempts == 1
    with in_tenant(org.tenant):
        (attempt,) = delivery.attempt_log.all()
    assert attempt.status_code == 200 and attempt.response == "ok" and attempt.error == ""


def test_failures_are_retried_on_schedule_with_the_same_id_then_delivered(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    receiver.answer(500, 502, (503, {"Retry-After": "120"}), 200)
    start = timezone.now().replace(microsecond=0)
    with in_tenant(org.tenant), time_machine.travel(start, tick=False) as clock:
        endpoint, secret = _endpoint(org, receiver)
        _submitted(org)
        dispatch_outbox()
        delivery = WebhookDelivery.objects.get(
            endpoint=endpoint, event__event_type="requisition.submitted"
        )
        waits = []
        for _round in range(3):
            delivery.refresh_from_db()
            assert delivery.status == "pending"
            due = delivery.next_attempt_at
            waits.append((due - timezone.now()).total_seconds())
            clock.move_to(due - timedelta(seconds=1))
            assert deliver_due() == 0  # not before its time
            clock.move_to(due)
            assert deliver_due() >= 1
        delivery.refresh_from_db()
        assert delivery.status == "succeeded" and delivery.attempts == 4
    ids = {headers["webhook-id"] for headers, _body, _path in receiver.got}
    assert len(receiver.got) == 4 and len(ids) == 1
    for headers, body, _path in receiver.got:
        with time_machine.travel(datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)):
            Webhook(secret).verify(body, headers)
    # 5 s, then 5 min, then the 503's Retry-After of 120 s is shorter than 30 min: 30 min
    assert 4 <= waits[0] <= 6 and 240 <= waits[1] <= 360 and 1440 <= waits[2] <= 2160


def test_a_receiver_that_always_fails_ends_dead_and_admins_are_told(
    org: Org,
    receiver: Receiver,
    in_tenant: Any,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: Any,
) -> None:
    receiver.answer(500)
    start = timezone.now()
    with in_tenant(org.tenant), time_machine.travel(start, tick=False) as clock:
        endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
        _submitted(org)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_outbox()
            delivery = WebhookDelivery.objects.get(endpoint=endpoint)
            while delivery.status == "pending":
                clock.move_to(delivery.next_attempt_at)
                deliver_due()
                delivery.refresh_from_db()
        assert delivery.status == "dead" and delivery.attempts == len(SCHEDULE) == 8
        assert delivery.attempt_log.count() == 8
        notice = Notification.objects.get(user=org.admin, kind="webhook.delivery_dead")
        assert receiver.url in notice.message and notice.subject_id == str(endpoint.pk)
        endpoint.refresh_from_db()
        # 5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h ≈ 27.6 h of failure: not yet 5 days
        assert endpoint.enabled and endpoint.failing_since is not None
    assert len(receiver.got) == 8
    assert any(org.admin.email in message.to for message in mailoutbox)


def test_410_disables_the_endpoint_at_once(org: Org, receiver: Receiver, in_tenant: Any) -> None:
    receiver.answer(410)
    with in_tenant(org.tenant):
        endpoint, _secret = _endpoint(org, receiver)
        _submitted(org)
        dispatch_outbox()
        endpoint.refresh_from_db()
        assert not endpoint.enabled and "410" in endpoint.disabled_reason
        assert not WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").exists()
        assert Notification.objects.filter(
            user=org.admin, kind="webhook.endpoint_disabled"
        ).exists()
        sent = len(receiver.got)
        _submitted(org)
        dispatch_outbox()  # a disabled endpoint hears nothing more
    assert len(receiver.got) == sent


def test_a_redirect_is_a_failure_and_is_not_followed(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    receiver.answer((302, {"Location": "/elsewhere"}))
    with in_tenant(org.tenant):
        endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
        _submitted(org)
        dispatch_outbox()
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert [path for _h, _b, path in receiver.got] == ["/hooks"]
    assert delivery.status == "pending" and delivery.last_status_code == 302


def test_five_days_of_failure_disable_the_endpoint(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    receiver.answer(500)
    start = timezone.now()
    with in_tenant(org.tenant), time_machine.travel(start, tick=False) as clock:
        endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
        for day in range(6):
            clock.move_to(start + timedelta(days=day))
            _submitted(org)
            dispatch_outbox()
        endpoint.refresh_from_db()
    assert not endpoint.enabled and "5 days" in endpoint.disabled_reason


def test_a_success_clears_the_failure_history(org: Org, receiver: Receiver, in_tenant: Any) -> None:
    receiver.answer(500, 200)
    start = timezone.now()
    with in_tenant(org.tenant), time_machine.travel(start, tick=False) as clock:
        endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
        _submitted(org)
        dispatch_outbox()
        endpoint.refresh_from_db()
        assert endpoint.failing_since is not None
        clock.move_to(start + timedelta(minutes=1))
        deliver_due()
        endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.enabled


def test_during_rotation_both_secrets_sign(org: Org, receiver: Receiver, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        endpoint, old = _endpoint(org, receiver, event_types=["requisition.submitted"])
        with transaction.atomic():
            _endpoint_again, new = endpoint_rotate_secret(actor=org.admin, endpoint_id=endpoint.pk)
        _submitted(org)
        dispatch_outbox()
    headers, body, _path = receiver.got[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, headers) == Webhook(new).verify(body, headers)


def test_chat_formats_carry_one_line_for_people(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    with in_tenant(org.tenant):
        _endpoint(org, receiver, event_types=["requisition.submitted"], format="slack")
        _submitted(org)
        dispatch_outbox()
    (_headers, body, _path) = receiver.got[0]
    text = json.loads(body)["text"]
    assert text.startswith("Spendgate · requisition.submitted · REQ-") and "submits" in text


def test_a_chat_line_speaks_the_organisations_language(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    """A channel has many readers: its line is in the organisation's language (CONTRACT §8),
    not the worker's English, composed in the sending thread; the event type stays a code."""
    tenant = org.tenant
    before = tenant.default_language
    Client.objects.filter(pk=tenant.pk).update(default_language="de")
    tenant.default_language = "de"  # the object the test's tenant context holds
    try:
        with in_tenant(tenant):
            _endpoint(org, receiver, event_types=["requisition.submitted"], format="slack")
            _submitted(org)
            dispatch_outbox()
    finally:
        Client.objects.filter(pk=tenant.pk).update(default_language=before)
        tenant.default_language = before
    (_headers, body, _path) = receiver.got[0]
    text = json.loads(body)["text"]
    assert text.startswith("Spendgate · requisition.submitted · REQ-"), text
    assert text.endswith(
        ": ein Anforderer reicht eine Bestellanforderung ein; die Richtlinie hat sie weitergeleitet"
    ), text


def test_an_unsafe_address_is_refused_at_send_too(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    with in_tenant(org.tenant):
        endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
        _submitted(org)
        with override_settings(WEBHOOK_ALLOW_LOOPBACK=False):
            dispatch_outbox()
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert receiver.got == []
    assert delivery.status == "pending" and delivery.last_error.startswith("unsafe_url")


def test_one_tenants_events_never_reach_anothers_endpoints(
    org: Org, receiver: Receiver, in_tenant: Any, tenant_b: Any, make_user: Any
) -> None:
    admin_b = make_user(tenant_b, "hooks-b", ["tenant_admin"])
    with in_tenant(tenant_b), transaction.atomic():
        endpoint_create(actor=admin_b, data={"url": receiver.url})
    with in_tenant(org.tenant):
        _submitted(org)
        dispatch_outbox()
    with in_tenant(tenant_b):
        dispatch_outbox()
        assert not WebhookDelivery.objects.exists()
    assert receiver.got == []


def test_admins_see_deliveries_send_a_test_and_recover_what_failed(
    org: Org,
    receiver: Receiver,
    in_tenant: Any,
    api_for: Any,
) -> None:
    from apps.integrations.services.deliveries import endpoint_recover

    receiver.answer(500)
    with in_tenant(org.tenant):
        endpoint, _secret = _endpoint(org, receiver, event_types=["requisition.submitted"])
        _submitted(org)
        _submitted(org)
        dispatch_outbox()
    admin = api_for(org.tenant, org.admin)
    base = f"/api/v1/webhook-endpoints/{endpoint.pk}"
    listed = admin.get(f"{base}/deliveries/?status=pending").json()
    assert listed["count"] == 2
    failed = listed["results"][0]
    assert failed["attempt_count"] == 1 and failed["last_status_code"] == 500
    assert failed["event_type"] == "requisition.submitted"
    assert failed["attempts"][0]["status_code"] == 500
    assert admin.get(f"{base}/deliveries/?status=succeeded").json()["count"] == 0

    receiver.answer(200)
    tested = admin.post(f"{base}/test/")
    assert tested.status_code == 202 and tested.json()["event_type"] == "webhook.test"
    with in_tenant(org.tenant):
        deliver_due()  # what the nudged worker runs
        assert WebhookDelivery.objects.filter(event__event_type="webhook.test").count() == 1
    assert json.loads(receiver.got[-1][1])["type"] == "webhook.test"

    retried = admin.post(f"{base}/deliveries/{failed['id']}/retry/")
    assert retried.status_code == 202
    with in_tenant(org.tenant):
        deliver_due()
        assert WebhookDelivery.objects.get(pk=failed["id"]).status == "succeeded"
        with transaction.atomic():
            count = endpoint_recover(
                actor=org.admin, endpoint_id=endpoint.pk, since=timezone.now() - timedelta(hours=1)
            )
        assert count == 1  # the other failed one; the delivered ones stay delivered
        deliver_due()
        assert not WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").exists()
    again = admin.post(f"{base}/deliveries/{failed['id']}/retry/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    bad = admin.post(
        f"{base}/recover/",
        {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        format="json",
    )
    assert bad.status_code == 422 and "since" in bad.json()["errors"]
    assert api_for(org.tenant, org.buyer).post(f"{base}/test/").status_code == 403
    with in_tenant(org.tenant):
        actions = set(
            __import__("apps.audit.models", fromlist=["AuditEvent"])
            .AuditEvent.objects.filter(subject_id=str(endpoint.pk))
            .values_list("action", flat=True)
        )
    assert {
        "webhook_endpoint.tested",
        "webhook_delivery.retried",
        "webhook_endpoint.recovered",
    } <= actions
