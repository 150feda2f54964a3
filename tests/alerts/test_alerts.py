"""Business alerts: each rule raises its alert on a hand-built condition, once however often
the evaluation runs, and resolves it when the condition clears; a raise is an `alert.raised`
event and an e-mail to tenant admins; the API lists them to tenant admins only, per tenant."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from apps.alerts.models import Alert
from apps.alerts.rules import RULES
from apps.alerts.services import alerts_evaluate
from apps.assurance.models import ChainCheck
from apps.audit import services as audit_services
from apps.audit.models import AuditEvent
from apps.events.models import OutboxEvent
from apps.inbox.models import MailMessage
from apps.integrations.models import (
    DeliveryAttempt,
    ErpConnection,
    InboundEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.invoices.models import InvoiceException
from apps.payments.models import PaymentRun
from apps.telemetry import heartbeats
from apps.workflow.models import ApprovalStep
from tests import world
from tests.audit.writers import WriterInFlight

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]
AGO = timedelta(days=10)


def _endpoint() -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url="https://hooks.example.test/in", secret_encrypted="x")


def _attempt(endpoint: WebhookEndpoint, status_code: int | None, seconds: int) -> None:
    event = OutboxEvent.objects.create(
        event_type="webhook.test", subject_type="x", subject_id=str(uuid.uuid4()), payload={}
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        at=timezone.now() + timedelta(seconds=seconds),
        status_code=status_code,
        error="" if status_code else "connection refused",
    )


# rule → (make its condition hold, make it clear); each returns nothing
Scenario = tuple[Callable[[], None], Callable[[], None]]


def _webhook(w: Any) -> Scenario:
    endpoint = _endpoint()

    def hold() -> None:
        for i, code in enumerate([500, None, 503]):
            _attempt(endpoint, code, i)

    return hold, lambda: _attempt(endpoint, 200, 10)


def _erp(w: Any) -> Scenario:
    erp = ErpConnection.objects.create(name="SAP", secret_encrypted="x")

    def event(status: str) -> InboundEvent:
        return InboundEvent.objects.create(
            connection=erp, message_id=str(uuid.uuid4()), event_type="x", status=status
        )

    def hold() -> None:
        for _i in range(3):
            event(InboundEvent.Status.FAILED)

    return hold, lambda: event(InboundEvent.Status.APPLIED) and None


def _mail(w: Any) -> Scenario:
    def mails(n: int, reason: str) -> None:
        for _i in range(n):
            MailMessage.objects.create(
                message_id=f"<{uuid.uuid4()}@x>",
                source="smtp",
                status="quarantined" if reason else "received",
                reason=reason,
            )

    return lambda: (mails(3, "unknown_sender"), mails(3, ""))[0], lambda: mails(20, "")


def _chain(w: Any) -> Scenario:
    return (
        lambda: (
            ChainCheck.objects.create(valid=False, count=10, first_bad=4, trigger="nightly")
            and None
        ),
        lambda: ChainCheck.objects.create(valid=True, count=10, trigger="on_demand") and None,
    )


def _unlinked(w: Any) -> Scenario:
    """An event committed long ago and still unlinked, while another writer holds the chain
    (so the rule's own link waits, briefly here, and gives up); the writer commits, and the
    next evaluation links it."""
    from django.db import connection

    w.monkeypatch.setattr(audit_services, "CHAINER_WAIT", "200ms")
    writer = WriterInFlight(connection.tenant, "holding")

    def hold() -> None:
        AuditEvent.objects.create(
            at=timezone.now() - AGO,
            actor="system:test",
            action="thing.done",
            subject_type="thing",
            subject_id="late",
        )
        writer.start()

    return (hold, writer.commit)


def _payment_run(w: Any) -> Scenario:
    run = world.released_run(w.aporg, w.receive)
    runs = PaymentRun.objects.filter(pk=run.pk)
    return (
        lambda: runs.update(released_at=timezone.now() - AGO) and None,
        lambda: runs.update(status=PaymentRun.Status.PAID) and None,
    )


def _exceptions(w: Any) -> Scenario:
    exception = world.price_exception(w.aporg, w.receive, "ALERT-1")
    rows = InvoiceException.objects.filter(pk=exception.pk)
    return (
        lambda: rows.update(created_at=timezone.now() - AGO) and None,
        lambda: rows.update(status=InvoiceException.Status.RESOLVED) and None,
    )


def _approvals(w: Any) -> Scenario:
    steps = []
    for _i in range(6):  # more than the default 5
        _requisition, task = world.pending(w.aporg.org.requester)
        steps.append(task.step_id)
    rows = ApprovalStep.objects.filter(pk__in=steps)
    return (
        lambda: rows.update(due_at=timezone.now() - AGO) and None,
        lambda: rows.update(due_at=timezone.now() + AGO) and None,
    )


def _worker(w: Any) -> Scenario:
    """The worker beat an hour ago and not since (its key is cleared around each test)."""
    return (
        lambda: heartbeats.beat("worker", at=time.time() - 3600),
        lambda: heartbeats.beat("worker"),
    )


SCENARIOS: dict[str, Callable[[Any], Scenario]] = {
    "webhook_endpoint_failing": _webhook,
    "erp_connection_failing": _erp,
    "mail_quarantine_share": _mail,
    "audit_chain_broken": _chain,
    "audit_chain_unlinked": _unlinked,
    "payment_run_unconfirmed": _payment_run,
    "exception_queue_stale": _exceptions,
    "approval_sla_breaches": _approvals,
    "worker_stopped": _worker,
}


class W:
    def __init__(self, aporg: Any, receive: Any, monkeypatch: Any = None) -> None:
        self.aporg, self.receive, self.monkeypatch = aporg, receive, monkeypatch


def test_every_rule_has_its_scenario() -> None:
    assert {rule for rule, _kind, _check in RULES} == set(SCENARIOS)


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_each_rule_raises_once_and_resolves_when_its_condition_clears(
    rule: str, aporg: Any, receive: Any, in_tenant: Any, monkeypatch: Any
) -> None:
    kind = {r: k for r, k, _check in RULES}[rule]
    with in_tenant(aporg.tenant):
        hold, clear = SCENARIOS[rule](W(aporg, receive, monkeypatch))
        alerts_evaluate()
        assert not Alert.objects.filter(rule=rule).exists()
        hold()
        alerts_evaluate()
        [alert] = Alert.objects.filter(rule=rule)
        assert (alert.status, alert.kind) == (Alert.Status.OPEN, kind)
        assert alert.link.startswith("/") and alert.subject and alert.detail
        alerts_evaluate()  # still true: deduplicated
        assert Alert.objects.filter(rule=rule).count() == 1
        clear()
        alerts_evaluate()
        alert.refresh_from_db()
        assert alert.status == Alert.Status.RESOLVED and alert.resolved_at is not None
        assert OutboxEvent.objects.filter(subject_id=str(alert.pk)).count() == 2


def test_a_raise_is_an_event_and_an_email_to_tenant_admins(
    aporg: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with in_tenant(aporg.tenant):
        hold, _clear = _webhook(None)
        hold()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            alerts_evaluate()
        alert = Alert.objects.get(rule="webhook_endpoint_failing")
        event = OutboxEvent.objects.get(event_type="alert.raised", subject_id=str(alert.pk))
        assert event.payload["kind"] == "connector"
        assert event.payload["link"] == "/settings/integrations/"
        [sent] = mail.outbox
        assert aporg.org.admin.email in sent.to
        assert "Webhook endpoint" in sent.subject and "/settings/integrations/" in sent.body


def test_the_policy_sets_the_thresholds_and_null_turns_a_rule_off(
    aporg: Any, in_tenant: Any
) -> None:
    from apps.policies.document import DEFAULT_POLICY, PolicyError, validate_document
    from apps.policies.services import policy_draft_create, policy_publish

    with pytest.raises(PolicyError) as refused:
        validate_document({**DEFAULT_POLICY, "alerts": {"connector_failures": 0, "nope": 1}})
    assert set(refused.value.errors) >= {"alerts.connector_failures", "alerts.nope"}
    assert validate_document(DEFAULT_POLICY)["alerts"]["connector_failures"] == 3
    with in_tenant(aporg.tenant):
        hold, _clear = _chain(None)
        hold()
        alerts_evaluate()
        assert Alert.objects.filter(rule="audit_chain_broken", status="open").exists()
        document = {**DEFAULT_POLICY, "alerts": {"audit_chain": False}}
        policy_publish(
            actor=aporg.org.admin,
            version=policy_draft_create(actor=aporg.org.admin, document=document),
        )
        alerts_evaluate()
        assert not Alert.objects.filter(rule="audit_chain_broken", status="open").exists()


def test_the_api_lists_alerts_to_tenant_admins_only_and_per_tenant(
    aporg: Any, tenant_b: Any, in_tenant: Any, api_for: Any, make_user: Any
) -> None:
    with in_tenant(aporg.tenant):
        _chain(None)[0]()
        alerts_evaluate()
        alert = Alert.objects.get(rule="audit_chain_broken")
    admin = api_for(aporg.tenant, aporg.org.admin)
    found = admin.get("/api/v1/alerts/", {"status": "open"})
    assert found.status_code == 200, found.content
    [row] = [r for r in found.json()["results"] if r["rule"] == "audit_chain_broken"]
    assert row["id"] == str(alert.pk)
    assert {"id", "kind", "rule", "status", "raised_at", "resolved_at", "subject", "link"} <= set(
        row
    )
    assert (row["kind"], row["status"], row["link"]) == ("platform", "open", "/audit/")
    assert admin.get("/api/v1/alerts/", {"status": "resolved"}).json()["results"] == []
    assert admin.get("/api/v1/alerts/", {"status": "nope"}).status_code == 400
    requester = api_for(aporg.tenant, aporg.org.requester)
    assert requester.get("/api/v1/alerts/").status_code == 403
    other_admin = make_user(tenant_b, "admin", ["tenant_admin"])
    other = api_for(tenant_b, other_admin).get("/api/v1/alerts/")
    assert other.status_code == 200 and other.json()["results"] == []


def test_the_list_reads_a_fixed_number_of_queries(aporg: Any, in_tenant: Any, api_for: Any) -> None:
    from apps.alerts.rules import Condition
    from apps.alerts.services import alert_raise
    from tests.conftest import count_queries

    admin = api_for(aporg.tenant, aporg.org.admin)

    def raise_alerts(n: int) -> None:
        with in_tenant(aporg.tenant):
            for i in range(n):
                condition = Condition("audit_chain_broken", "platform", f"k{i}", "s", "/audit/", "")
                alert_raise(condition=condition, now=timezone.now())

    raise_alerts(1)
    few = count_queries(lambda: admin.get("/api/v1/alerts/"))
    raise_alerts(10)
    assert count_queries(lambda: admin.get("/api/v1/alerts/")) == few


def test_beat_evaluates_every_tenant_each_minute(aporg: Any, in_tenant: Any) -> None:
    """Three failed attempts raise the endpoint's alert at the next run: within two minutes."""
    from django.conf import settings

    from apps.alerts.tasks import evaluate_alerts

    entry = settings.CELERY_BEAT_SCHEDULE["evaluate-alerts"]
    assert entry["task"] == evaluate_alerts.name and "tenant_schemas" not in entry
    assert entry["schedule"] <= timedelta(minutes=1)
    with in_tenant(aporg.tenant):
        _webhook(None)[0]()
        assert evaluate_alerts()["raised"] == 1
        assert evaluate_alerts()["raised"] == 0


def test_beat_notices_a_stopped_worker_in_every_tenant(
    aporg: Any, tenant_b: Any, in_tenant: Any
) -> None:
    """The worker's stop cannot wait for a worker task: beat's scheduler evaluates the
    platform rules in every client tenant itself, and leaves the other rules' alerts alone."""
    from apps.alerts.scheduler import platform_alerts_evaluate

    with in_tenant(aporg.tenant):
        _webhook(None)[0]()
        alerts_evaluate()  # the worker's evaluation: the endpoint's alert is open
    heartbeats.beat("worker", at=time.time() - 3600)
    assert platform_alerts_evaluate() >= 2
    for tenant in (aporg.tenant, tenant_b):
        with in_tenant(tenant):
            [stopped] = Alert.objects.filter(rule="worker_stopped", status=Alert.Status.OPEN)
            assert stopped.kind == "platform" and stopped.link == "/settings/operations/"
    heartbeats.beat("worker")
    platform_alerts_evaluate()
    with in_tenant(aporg.tenant):
        assert not Alert.objects.filter(rule="worker_stopped", status=Alert.Status.OPEN).exists()
        # the webhook endpoint's alert is not beat's to resolve
        assert Alert.objects.get(rule="webhook_endpoint_failing").status == Alert.Status.OPEN


def test_a_worker_that_never_beat_is_for_readyz_not_an_alert(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        alerts_evaluate()
        assert not Alert.objects.filter(rule="worker_stopped").exists()
