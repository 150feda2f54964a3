"""Delivering outbox events to webhook endpoints (CONTRACT §4).

Each event fans out to every enabled endpoint that wants its type as one `WebhookDelivery`,
written in the dispatcher's transaction. Due deliveries are claimed with SKIP LOCKED and a
lease (their `next_attempt_at` moves past the sends), sent outside any transaction, and
their outcome recorded: 2xx delivered; anything else (3xx included: redirects are not
followed) a failure, tried again on the schedule below with ±20% jitter (a 429 or 503
`Retry-After` is honoured within the schedule's bounds), `dead` after the last attempt. A
`410 Gone` disables the endpoint at once; an endpoint failing without a success for 5 days is
disabled. Tenant admins are told of a dead delivery and of a disabled endpoint, in the app and
by e-mail. A worker lost mid-send leaves its lease to expire and the delivery is sent again
with the same `webhook-id`, which receivers use to ignore the repeat.
"""

from __future__ import annotations

import contextvars
import json
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
import structlog
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.language import in_language_of, mail_in_their_languages
from apps.accounts.models import User
from apps.controls.refusals import ApplicationError
from apps.controls.spans import span_opened
from apps.controls.transitions import move_status
from apps.events.event_types import EVENT_TYPES
from apps.events.models import OutboxEvent
from apps.telemetry.metrics import count
from apps.tenancy.context import current_tenant, in_sandbox, tenant_serving
from apps.tenancy.residency import region_served
from apps.tenancy.services import Resumed
from apps.workflow.notices import tell

from ..models import WebhookDelivery, WebhookEndpoint
from .guard import TIMEOUT, session_for, url_check
from .scope import entities_of
from .signing import headers as signed_headers
from .signing import secrets_in_use

log = structlog.get_logger("spendgate.webhooks")

# seconds before each attempt, counted from the failure before it (the first: at once)
SCHEDULE = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
JITTER = 0.2
# a claimed batch is not claimed again while it is sent: 100 sends, 8 at a time, each at most
# 5 s to connect and 15 s to answer, take under 5 minutes
LEASE = timedelta(minutes=5)
DISABLE_AFTER = timedelta(days=5)
# an attempt's result as the metric names it (a pending delivery failed and waits to retry)
ATTEMPT_RESULTS: dict[str, str] = {
    WebhookDelivery.Status.SUCCEEDED: "succeeded",
    WebhookDelivery.Status.DEAD: "dead",
    WebhookDelivery.Status.PENDING: "retrying",
}
BATCH = 250
SEND_THREADS = 4  # sends of one batch side by side: the wait is the receivers'
EXCERPT = 1024


def fan_out(events: list[OutboxEvent]) -> int:
    """One delivery per event and enabled endpoint wanting its type (in the caller's
    transaction); returns how many."""
    endpoints = list(WebhookEndpoint.objects.filter(enabled=True))
    if not endpoints or not events:
        return 0
    now = timezone.now()
    scoped = any(endpoint.legal_entities for endpoint in endpoints)
    entity = entities_of(events) if scoped else {}
    pairs = [
        (endpoint.pk, event.pk)
        for event in events
        for endpoint in endpoints
        if endpoint.wants(event.event_type, entity.get(event.pk))
    ]
    if pairs:
        # one statement, ids made by the server (bulk_create spends more composing thousands
        # of rows than PostgreSQL spends storing them); an event fanned out twice is not
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO integrations_webhookdelivery (id, endpoint_id, event_id, status, "
                "attempts, next_attempt_at, last_error, created_at) "
                "SELECT gen_random_uuid(), endpoint_id, event_id, 'pending', 0, %s, '', %s "
                "FROM unnest(%s::uuid[], %s::uuid[]) AS pair(endpoint_id, event_id) "
                "ON CONFLICT (endpoint_id, event_id) DO NOTHING",
                [now, now, [p[0] for p in pairs], [p[1] for p in pairs]],
            )
    return len(pairs)


def _claim(now: datetime) -> list[Any]:
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .filter(endpoint__enabled=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:BATCH]
        )
        WebhookDelivery.objects.filter(pk__in=due).update(next_attempt_at=now + LEASE)
    return due


class Senders:
    """What a run of sends keeps per endpoint and sending thread: the address checked once
    per run (the session checks every address it connects to), the secrets decrypted once, and
    a session whose connection is kept alive between the endpoint's deliveries."""

    def __init__(self) -> None:
        self._kept: dict[tuple[Any, int], tuple[str, list[str], Any]] = {}
        self._lock = threading.Lock()
        # asked here, in the task's thread: a sending thread has its own database connection,
        # which knows no tenant
        self._sandbox = in_sandbox()
        # the organisation whose people read a chat endpoint's lines, asked here for the same
        # reason
        self.tenant = current_tenant()

    def of(self, endpoint: WebhookEndpoint, now: datetime) -> tuple[str, list[str], Any]:
        key = (endpoint.pk, threading.get_ident())
        with self._lock:
            found = self._kept.get(key)
        if found is None or found[0] != endpoint.url:
            url = url_check(endpoint.url, sandbox=self._sandbox)
            found = (url, secrets_in_use(endpoint, now=now), session_for(url))
            with self._lock:
                self._kept[key] = found
        return found

    def close(self) -> None:
        with self._lock:
            for _url, _secrets, session in self._kept.values():
                session.close()


def deliver_due(*, now: datetime | None = None) -> int:
    """Send every delivery due by `now` (default: the clock); returns how many were sent.
    Nothing is sent while the tenant is suspended: its deliveries stay pending, no attempt
    spent, and go out once it is active again (webhook_clocks_move_on)."""
    if not tenant_serving() or not region_served():
        return 0  # residency: another region's tenant is sent from its own deployment
    sent = 0
    senders = Senders()
    pool = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="webhook-send")
    try:
        while True:
            due = _claim(now or timezone.now())
            if not due:
                return sent
            rows = list(
                WebhookDelivery.objects.select_related("endpoint", "event").filter(pk__in=due)
            )
            # sent side by side (a send touches no database), recorded together in one
            # transaction per batch; each send runs in a copy of this task's context, so its
            # trace (and its log lines' tenant) follow it into the sending thread
            contexts = [contextvars.copy_context() for _row in rows]
            record(
                list(
                    pool.map(
                        lambda delivery, context: context.run(_send, delivery, now, senders),
                        rows,
                        contexts,
                    )
                )
            )
            sent += len(rows)
    finally:
        pool.shutdown()
        senders.close()


def webhook_clocks_move_on(resumed: Resumed) -> None:
    """At resume, an endpoint's 5-day failing clock moves on by the time the tenant was
    suspended: nothing was sent then, so that time counts against no receiver (tenancy's
    on_tenant_resumed)."""
    if resumed.paused:
        WebhookEndpoint.objects.filter(failing_since__isnull=False).update(
            failing_since=F("failing_since") + resumed.paused
        )


def body_of(delivery: WebhookDelivery, *, tenant: Any = None) -> bytes:
    event = delivery.event
    if delivery.endpoint.format == WebhookEndpoint.Format.STANDARD:
        document: dict[str, Any] = {
            "type": event.event_type,
            "timestamp": event.created_at.isoformat(),
            "data": event.payload,
        }
    else:  # slack and teams incoming webhooks both read a `text`
        document = {"text": summary(event, tenant=tenant)}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def summary(event: OutboxEvent, *, tenant: Any = None) -> str:
    """One line a person reads in a chat channel, in the organisation's language (a channel has
    many readers, so no one person's), never the worker's; the event type stays a code. A
    sending thread passes its task's `tenant`: its own connection knows none."""
    kind = EVENT_TYPES.get(event.event_type)
    name = event.payload.get("number") or event.payload.get("invoice_number") or ""
    with in_language_of(None, tenant=tenant):
        what = str(kind.fires) if kind else event.event_type
        return f"Spendgate · {event.event_type}{f' · {name}' if name else ''}: {what}"


@dataclass(frozen=True)
class Outcome:
    delivery_id: Any
    at: datetime
    status_code: int | None
    duration_ms: int
    excerpt: str
    error: str
    retry_after: int | None


def _send(delivery: WebhookDelivery, now: datetime | None, senders: Senders) -> Outcome:
    endpoint = delivery.endpoint
    body = body_of(delivery, tenant=senders.tenant)
    sent_at = now or timezone.now()
    status_code: int | None = None
    error, excerpt, retry_after = "", "", None
    started = time.monotonic()
    event = delivery.event
    traced = {
        "spendgate.event_type": event.event_type,
        f"spendgate.{event.subject_type}.number": event.payload.get("number"),
        "spendgate.webhook.delivery_id": str(delivery.pk),
        "spendgate.webhook.attempt": delivery.attempts + 1,
    }
    try:
        with span_opened("webhook.deliver", traced):
            url, keys, session = senders.of(endpoint, sent_at)  # the address checked again
            request_headers = {
                "content-type": "application/json",
                **signed_headers(keys, str(delivery.event_id), int(sent_at.timestamp()), body),
            }
            response = session.post(
                url, data=body, headers=request_headers, timeout=TIMEOUT, allow_redirects=False
            )
        status_code = response.status_code
        excerpt = response.text[:EXCERPT].replace("\x00", "")  # PostgreSQL text holds no NUL
        retry_after = _seconds(response.headers.get("Retry-After"))
    except ApplicationError as exc:
        error = f"{exc.code}: {exc.detail}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    return Outcome(delivery.pk, sent_at, status_code, duration, excerpt, error[:300], retry_after)


def _seconds(value: str | None) -> int | None:
    try:
        return max(0, int(value)) if value is not None else None
    except ValueError:
        return None


def _delay(attempts: int, status_code: int | None, retry_after: int | None) -> timedelta:
    """The wait before the next attempt, after `attempts` failed ones."""
    planned = SCHEDULE[attempts] * random.uniform(1 - JITTER, 1 + JITTER)
    if status_code in (429, 503) and retry_after is not None:
        planned = min(max(planned, retry_after), SCHEDULE[-1])
    return timedelta(seconds=planned)


@transaction.atomic
def record(outcomes: list[Outcome]) -> list[WebhookDelivery]:
    """What each send's answer means for its delivery and its endpoint, in one transaction
    for the batch (rows locked; every attempt kept)."""
    if not outcomes:
        return []
    # the event (its payload) is not read again: only a dead delivery's notice names its type
    deliveries = WebhookDelivery.objects.select_for_update()
    found = {d.pk: d for d in deliveries.filter(pk__in=[o.delivery_id for o in outcomes])}
    endpoints = {
        e.pk: e
        for e in WebhookEndpoint.objects.select_for_update().filter(
            pk__in={d.endpoint_id for d in found.values()}
        )
    }
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY integrations_deliveryattempt "
            "(delivery_id, at, status_code, duration_ms, response, error) FROM STDIN"
        ) as copy,
    ):  # every attempt kept, by one COPY for the batch
        for o in outcomes:
            copy.write_row([o.delivery_id, o.at, o.status_code, o.duration_ms, o.excerpt, o.error])
    failing_before = {pk: e.failing_since for pk, e in endpoints.items()}
    for outcome in outcomes:
        delivery = found[outcome.delivery_id]
        _apply(delivery, endpoints[delivery.endpoint_id], outcome)
    with connection.cursor() as cursor:  # one statement, pipelined (bulk_update's CASE is slow)
        cursor.executemany(
            "UPDATE integrations_webhookdelivery SET status = %s, attempts = %s, "
            "next_attempt_at = %s, last_status_code = %s, last_error = %s, delivered_at = %s "
            "WHERE id = %s",
            [
                (d.status, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error,
                 d.delivered_at, d.pk)
                for d in found.values()
            ],
        )  # fmt: skip
    for pk, endpoint in endpoints.items():
        if endpoint.enabled and endpoint.failing_since != failing_before[pk]:
            endpoint.save(update_fields=["failing_since"])
    for delivery in found.values():
        count("webhook_delivery", result=ATTEMPT_RESULTS.get(delivery.status, "retrying"))
    return [found[o.delivery_id] for o in outcomes]


def _apply(delivery: WebhookDelivery, endpoint: WebhookEndpoint, outcome: Outcome) -> None:
    at, status_code = outcome.at, outcome.status_code
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, outcome.error
    if status_code is not None and 200 <= status_code < 300:
        move_status(delivery, WebhookDelivery.Status.SUCCEEDED, noun=_("webhook delivery"))
        delivery.delivered_at, delivery.next_attempt_at = at, None
        endpoint.failing_since = None
        return
    endpoint.failing_since = endpoint.failing_since or at
    if endpoint.enabled and status_code == 410:
        _disable(
            endpoint, gettext_lazy("The receiver answered 410 Gone: it asked for no more events.")
        )
    elif endpoint.enabled and at - endpoint.failing_since >= DISABLE_AFTER:
        _disable(endpoint, gettext_lazy("Every delivery failed for 5 days."))
    if status_code == 410 or delivery.attempts >= len(SCHEDULE):
        move_status(delivery, WebhookDelivery.Status.DEAD, noun=_("webhook delivery"))
        delivery.next_attempt_at = None
        if status_code != 410:
            facts = {
                "type": OutboxEvent.objects.values_list("event_type", flat=True).get(
                    pk=delivery.event_id
                ),
                "url": endpoint.url,
                "n": delivery.attempts,
            }
            _tell_admins(
                endpoint,
                "webhook.delivery_dead",
                lambda: (
                    _("A %(type)s event could not be delivered to %(url)s after %(n)d attempts.")
                    % facts
                ),
            )
    else:
        delivery.next_attempt_at = at + _delay(delivery.attempts, status_code, outcome.retry_after)


def _disable(endpoint: WebhookEndpoint, reason: Promise) -> None:
    """Stop sending to an endpoint; `reason` is lazy, so each admin reads it in their language
    (the stored reason is the catalog's English, shown translated on the settings page)."""
    with translation.override("en"):
        endpoint.enabled, endpoint.disabled_reason = False, str(reason)[:300]
    endpoint.save(update_fields=["enabled", "disabled_reason", "failing_since"])
    _tell_admins(
        endpoint,
        "webhook.endpoint_disabled",
        lambda: (
            _("Webhook endpoint %(url)s was disabled: %(why)s")
            % {"url": endpoint.url, "why": reason}
        ),
    )


def _tell_admins(endpoint: WebhookEndpoint, kind: str, compose: Callable[[], str]) -> None:
    """A notice and an e-mail to each tenant admin, in that admin's language."""
    group = Group.objects.filter(name="tenant_admin").first()
    admins = list(User.objects.filter(groups=group, is_active=True)) if group else []
    tell(admins, compose, kind=kind, subject_type="webhook_endpoint", subject_id=str(endpoint.pk))

    def mail() -> None:
        try:
            mail_in_their_languages(
                admins,
                lambda: (_("Spendgate webhooks: action needed"), compose()),
                lambda subject, body, to: send_mail(subject, body, None, to),
            )
        except Exception:  # the notices are recorded either way
            log.exception("webhook_alert_mail_failed", recipients=len(admins))

    if admins:
        transaction.on_commit(mail)
