"""What tenant admins do with deliveries: send a test event, retry one delivery, recover an
endpoint (every failed or dead delivery in a period sent again). Each is audited; the sends
run in the background (`deliver_webhooks`), sooner than beat's next round."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record, outbox_event_addressed
from apps.tenancy.background import send_on_commit

from ..models import WebhookDelivery, WebhookEndpoint

DELIVER = "apps.integrations.tasks.deliver_webhooks"
TEST_EVENT = "webhook.test"


def _endpoint(endpoint_id: Any) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


@transaction.atomic
def endpoint_test(*, actor: User, endpoint_id: Any) -> WebhookDelivery:
    """A `webhook.test` event for this endpoint alone (never fanned out to the others)."""
    require(actor, "accounts.manage_webhooks")
    endpoint = _endpoint(endpoint_id)
    if not endpoint.enabled:
        raise InvalidTransition(_("Switch the endpoint on before sending it a test event."))
    # the dispatcher leaves it alone: this delivery is its only one
    event = outbox_event_addressed(
        event_type=TEST_EVENT,
        subject_type="webhook_endpoint",
        subject_id=endpoint.pk,
        payload={"id": str(endpoint.pk), "message": "A test event from Spendgate."},
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, next_attempt_at=event.dispatched_at
    )
    event_record(
        actor=actor,
        action="webhook_endpoint.tested",
        subject_type="webhook_endpoint",
        subject_id=endpoint.pk,
        data={"delivery": str(delivery.pk)},
    )
    send_on_commit(DELIVER)
    return delivery


@transaction.atomic
def delivery_retry(*, actor: User, delivery_id: Any) -> WebhookDelivery:
    """One failed or dead delivery, sent again now (its schedule starts over)."""
    require(actor, "accounts.manage_webhooks")
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        raise InvalidTransition(_("This delivery arrived; there is nothing to send again."))
    if delivery.status == WebhookDelivery.Status.DEAD:
        move_status(delivery, WebhookDelivery.Status.PENDING, noun=_("webhook delivery"))
    delivery.attempts, delivery.next_attempt_at = 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    event_record(
        actor=actor,
        action="webhook_delivery.retried",
        subject_type="webhook_endpoint",
        subject_id=delivery.endpoint_id,
        data={"delivery": str(delivery.pk), "event": str(delivery.event_id)},
    )
    send_on_commit(DELIVER)
    return delivery


@transaction.atomic
def endpoint_recover(
    *, actor: User, endpoint_id: Any, since: datetime, until: datetime | None = None
) -> int:
    """Every delivery of the endpoint made in [since, until) that failed (dead, or waiting
    after a failed attempt) is sent again; returns how many."""
    require(actor, "accounts.manage_webhooks")
    endpoint = _endpoint(endpoint_id)
    until = until or timezone.now()
    if since >= until:
        raise ValidationFailed(errors={"since": [_("Give a time before `until`.")]})
    failed = WebhookDelivery.objects.filter(
        endpoint=endpoint, created_at__gte=since, created_at__lt=until
    ).filter(
        Q(status=WebhookDelivery.Status.DEAD)
        | Q(status=WebhookDelivery.Status.PENDING, attempts__gt=0)
    )
    count = failed.update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )  # dead → pending, as the table allows; waiting ones start their schedule over
    event_record(
        actor=actor,
        action="webhook_endpoint.recovered",
        subject_type="webhook_endpoint",
        subject_id=endpoint.pk,
        data={"since": since.isoformat(), "until": until.isoformat(), "deliveries": count},
    )
    send_on_commit(DELIVER)
    return count
