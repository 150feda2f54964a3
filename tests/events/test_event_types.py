"""The event types hold: every one emitted by a real action, exactly once per
action, with the payload its type lists, beside the audit event that records it; the
contract's types are all in it; docs/events.md says what the code sends."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.demo.suppliers import pdf_bytes
from apps.events.event_types import EVENT_TYPES, EventTypeMismatch
from apps.events.models import OutboxEvent
from apps.events.services import event_record
from apps.workflow.models import ApprovalStep
from tests import world
from tests.conftest import ROOT
from tests.invoices.conftest import make_order
from tests.suppliers.conftest import invite
from tests.world import World as W

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]

# CONTRACT.md §4: the types the outside contract names
CONTRACT_TYPES = {
    "requisition.submitted",
    "requisition.approved",
    "requisition.rejected",
    "purchase_order.issued",
    "goods_receipt.posted",
    "invoice.received",
    "invoice.exception_raised",
    "invoice.approved",
    "supplier.approved",
    "supplier.document_expiring",
    "approval.escalated",
}


Action = Callable[[], Any]  # does the one action; returns the id the payload must carry


def _requisition_submitted(w: W) -> Action:
    requisition = world.draft(w.org.requester)

    def act() -> Any:
        from apps.procurement.services.requisitions import requisition_submit

        requisition_submit(actor=w.org.requester, requisition_id=requisition.pk)
        return requisition.pk

    return act


def _requisition_approved(w: W) -> Action:
    requisition, task = world.pending(w.org.requester)

    def act() -> Any:
        from apps.workflow.services import task_approve

        task_approve(actor=task.assignee, task_id=task.pk)
        return requisition.pk

    return act


def _requisition_rejected(w: W) -> Action:
    requisition, task = world.pending(w.org.requester)

    def act() -> Any:
        from apps.workflow.services import task_reject

        task_reject(actor=task.assignee, task_id=task.pk, comment="Not this quarter.")
        return requisition.pk

    return act


def _requisition_withdrawn(w: W) -> Action:
    requisition, _task = world.pending(w.org.requester)

    def act() -> Any:
        from apps.procurement.services.requisitions import requisition_withdraw

        requisition_withdraw(actor=w.org.requester, requisition_id=requisition.pk)
        return requisition.pk

    return act


def _requisition_cancelled(w: W) -> Action:
    requisition = world.draft(w.org.requester)

    def act() -> Any:
        from apps.procurement.services.requisitions import requisition_cancel

        requisition_cancel(actor=w.org.requester, requisition_id=requisition.pk)
        return requisition.pk

    return act


def _requisition_sourced(w: W) -> Action:
    requisition = world.approved(w.org.requester)

    def act() -> Any:
        from apps.procurement.services.sourcing import requisition_source

        requisition_source(
            actor=w.org.buyer, requisition_id=requisition.pk, supplier_id=w.aporg.supplier.pk
        )
        return requisition.pk

    return act


def _purchase_order_issued(w: W) -> Action:
    # the policy approves it at once, and it names its supplier
    requisition = world.draft(w.org.requester, total="400.00", supplier=w.aporg.supplier)

    def act() -> Any:
        from apps.procurement.services.requisitions import requisition_submit

        requisition_submit(actor=w.org.requester, requisition_id=requisition.pk)
        from apps.procurement.models import PurchaseOrder

        return PurchaseOrder.objects.get(requisition=requisition).pk

    return act


def _purchase_order_acknowledged(w: W) -> Action:
    from apps.accounts.services import user_ensure
    from apps.suppliers.services.access import portal_access_grant

    order = make_order(w.aporg, [("Desk", "2", "300.00")])
    contact = user_ensure(email="sales@contoso.test", password="x-pass-2026!", roles=["supplier"])
    portal_access_grant(contact, order.supplier)

    def act() -> Any:
        from apps.procurement.services.orders import purchase_order_acknowledge

        purchase_order_acknowledge(actor=contact, order_id=order.pk)
        return order.pk

    return act


def _goods_receipt_posted(w: W) -> Action:
    order = make_order(w.aporg, [("Desk", "2", "300.00")])
    return lambda: w.receive(w.aporg, order, {1: "2"}).pk


def _invoice_received(w: W) -> Action:
    from apps.invoices.services.receive import invoice_create
    from tests.invoices.conftest import invoice_body, validated

    order = make_order(w.aporg, [("Desk", "2", "300.00")])
    body = validated(invoice_body(order, number="REC-1"))
    return lambda: invoice_create(actor=w.aporg.clerk, data=body).pk


def _invoice_exception_raised(w: W) -> Action:
    """The match raises one price variance."""
    from apps.matching.services.outcome import invoices_match

    created = world.received(w.aporg, w.receive, number="RAISE-1", price="47.00")

    def act() -> Any:
        invoices_match(invoice_ids=[created.pk])
        return created.pk

    return act


def _invoice_exception_resolved(w: W) -> Action:
    exception = world.price_exception(w.aporg, w.receive, "RESOLVE-1")

    def act() -> Any:
        from apps.invoices.services.resolutions import exception_resolve

        exception_resolve(
            actor=w.aporg.clerk, exception_id=exception.pk, resolution="accept_variance"
        )
        return exception.invoice_id

    return act


def _invoice_exception_escalated(w: W) -> Action:
    exception = world.price_exception(w.aporg, w.receive, "LATE-1")
    world.due_past(exception)

    def act() -> Any:
        from apps.invoices.services.escalation import exceptions_sla_sweep

        assert exceptions_sla_sweep() == {"escalated": 1}
        return exception.invoice_id

    return act


def _invoice_approved(w: W) -> Action:
    """A clean invoice, matched touchlessly."""
    from apps.matching.services.outcome import invoices_match

    created = world.received(w.aporg, w.receive, number="CLEAN-1")

    def act() -> Any:
        invoices_match(invoice_ids=[created.pk])
        return created.pk

    return act


def _invoice_rejected(w: W) -> Action:
    exception = world.price_exception(w.aporg, w.receive, "REJECT-1")

    def act() -> Any:
        from apps.invoices.services.resolutions import exception_resolve

        exception_resolve(
            actor=w.aporg.clerk,
            exception_id=exception.pk,
            resolution="reject_invoice",
            comment="Priced above the order; the supplier will invoice again.",
        )
        return exception.invoice_id

    return act


def _invoice_paid(w: W) -> Action:
    run = world.released_run(w.aporg, w.receive)
    invoice_id = run.payments.get().invoice_id

    def act() -> Any:
        from apps.payments.services.runs import payment_run_confirm

        payment_run_confirm(actor=run.released_by, run_id=run.pk, reference="BANK-1")
        return invoice_id

    return act


def _payment_run_proposed(w: W) -> Action:
    world.payable(w.aporg, w.receive, "PROPOSE-1")

    def act() -> Any:
        from apps.payments.services.runs import payment_proposal_create

        [run] = payment_proposal_create(actor=w.aporg.clerk)
        return run.pk

    return act


def _payment_run_released(w: W) -> Action:
    run = world.proposed_run(w.aporg, w.receive)

    def act() -> Any:
        from apps.accounts.services import user_ensure
        from apps.payments.services.runs import payment_run_release

        releaser = user_ensure(email="rel@a.test", password="x-pass-2026!", roles=["ap_manager"])
        return payment_run_release(actor=releaser, run_id=run.pk).pk

    return act


def _payment_run_paid(w: W) -> Action:
    run = world.released_run(w.aporg, w.receive)

    def act() -> Any:
        from apps.payments.services.runs import payment_run_confirm

        return payment_run_confirm(actor=run.released_by, run_id=run.pk).pk

    return act


def _payment_run_cancelled(w: W) -> Action:
    run = world.proposed_run(w.aporg, w.receive)

    def act() -> Any:
        from apps.payments.services.runs import payment_run_cancel

        return payment_run_cancel(actor=w.aporg.clerk, run_id=run.pk).pk

    return act


def _supplier_approved(w: W) -> Action:
    supplier, task = world.onboarding_task(w.sorg)

    def act() -> Any:
        from apps.workflow.services import task_approve

        task_approve(actor=task.assignee, task_id=task.pk)
        return supplier.pk

    return act


def _supplier_rejected(w: W) -> Action:
    supplier, task = world.onboarding_task(w.sorg)

    def act() -> Any:
        from apps.workflow.services import task_reject

        task_reject(actor=task.assignee, task_id=task.pk, comment="No insurance on file.")
        return supplier.pk

    return act


def _supplier_blocked(w: W) -> Action:
    supplier = w.aporg.supplier

    def act() -> Any:
        from apps.suppliers.services.screening import supplier_block

        supplier_block(actor=w.aporg.compliance, supplier=supplier, reason="Fraud reported.")
        return supplier.pk

    return act


def _supplier_reopened(w: W) -> Action:
    from apps.suppliers.services.screening import supplier_block

    supplier = w.aporg.supplier
    supplier_block(actor=w.aporg.compliance, supplier=supplier, reason="Fraud reported.")

    def act() -> Any:
        from apps.suppliers.services.screening import supplier_reopen

        supplier_reopen(
            actor=w.aporg.compliance, supplier_id=supplier.pk, reason="The report was false."
        )
        return supplier.pk

    return act


def _supplier_document_expiring(w: W) -> Action:
    from apps.suppliers.services.documents import document_upload

    supplier = w.aporg.supplier
    with transaction.atomic():
        document_upload(
            actor=w.sorg.buyer,
            supplier_id=supplier.pk,
            doc_type="insurance_certificate",
            upload=SimpleUploadedFile("coi.pdf", pdf_bytes()),
            expires_on=timezone.localdate() + timedelta(days=40),
        )

    def act() -> Any:
        from apps.suppliers.services.renewals import document_renewal_alerts

        document_renewal_alerts(today=timezone.localdate() + timedelta(days=10))  # 30 days left
        return supplier.pk

    return act


def _bank_account_activated(w: W) -> Action:
    from apps.suppliers.services.banking import bank_account_add, bank_account_record_callback

    supplier = invite(w.sorg, "Northwind Traders GmbH")
    Supplier = type(supplier)
    Supplier.objects.filter(pk=supplier.pk).update(phone="+49 30 5555 0100")
    with transaction.atomic():
        account = bank_account_add(
            actor=w.sorg.buyer,
            supplier_id=supplier.pk,
            data={"account_holder": supplier.name, "iban": "DE89370400440532013000"},
        )
        bank_account_record_callback(
            actor=w.sorg.clerk, account_id=account.pk, confirmed=True, note="Called the CFO."
        )

    def act() -> Any:
        from apps.suppliers.services.banking import bank_account_approve

        bank_account_approve(actor=w.sorg.compliance, account_id=account.pk)
        return account.pk

    return act


def _approval_escalated(w: W) -> Action:
    from apps.accounts.services import user_ensure

    boss = user_ensure(email="boss@a.test", password="x-pass-2026!", roles=["manager"])
    w.org.manager.manager = boss
    w.org.manager.save(update_fields=["manager"])
    _requisition, task = world.pending(w.org.requester)
    step = ApprovalStep.objects.get(pk=task.step_id)

    def act() -> Any:
        from apps.workflow.services import sla_sweep

        assert sla_sweep(now=step.due_at + timedelta(minutes=5))["escalated"] == 1
        return step.route_id

    return act


def _policy_published(w: W) -> Action:
    from apps.policies.selectors import policy_published
    from apps.policies.services import policy_draft_create

    document = policy_published().document
    with transaction.atomic():
        version = policy_draft_create(actor=w.org.admin, document=document, note="Same, again")

    def act() -> Any:
        from apps.policies.services import policy_publish

        policy_publish(actor=w.org.admin, version=version)
        return version.label

    return act


def _contract(w: W, *, activate: bool = True, **extra: Any) -> Any:
    from apps.contracts.services.register import contract_activate, contract_create

    with transaction.atomic():
        contract = contract_create(
            actor=w.org.buyer,
            data={
                "number": "CT-EVENTS",
                "title": "Office supplies",
                "supplier": w.aporg.supplier.pk,
                "legal_entities": ["DE01"],
                "spend_categories": ["FAC"],
                "starts_on": timezone.localdate(),
                "ends_on": timezone.localdate() + timedelta(days=40),
                "value_cap": "1000",
                "currency": "EUR",
                **extra,
            },
        )
        if activate:
            contract = contract_activate(actor=w.org.buyer, contract_id=contract.pk)
    return contract


def _contract_activated(w: W) -> Action:
    contract = _contract(w, activate=False)

    def act() -> Any:
        from apps.contracts.services.register import contract_activate

        contract_activate(actor=w.org.buyer, contract_id=contract.pk)
        return contract.pk

    return act


def _contract_expiring(w: W) -> Action:
    contract = _contract(w)

    def act() -> Any:
        from apps.contracts.services.renewals import contract_renewal_alerts

        contract_renewal_alerts(today=timezone.localdate() + timedelta(days=10))  # 30 days left
        return contract.pk

    return act


def _contract_expired(w: W) -> Action:
    contract = _contract(w)

    def act() -> Any:
        from apps.contracts.models import ContractAlert
        from apps.contracts.services.renewals import contract_renewal_alerts

        # the alerts before the end were sent on their days
        for days in (30, 14, 7):
            ContractAlert.objects.create(
                contract=contract, ends_on=contract.ends_on, kind="end", days_before=days
            )
        contract_renewal_alerts(today=contract.ends_on + timedelta(days=1))
        return contract.pk

    return act


def _contract_terminated(w: W) -> Action:
    contract = _contract(w)

    def act() -> Any:
        from apps.contracts.services.register import contract_terminate

        contract_terminate(actor=w.org.buyer, contract_id=contract.pk, reason="Supplier exit")
        return contract.pk

    return act


def _alert_condition() -> Any:
    from apps.alerts.rules import Condition

    return Condition("audit_chain_broken", "platform", "audit_chain", "Audit trail", "/audit/", "x")


def _alert_raised(w: W) -> Action:
    def act() -> Any:
        from apps.alerts.services import alert_raise

        alert = alert_raise(condition=_alert_condition(), now=timezone.now())
        assert alert is not None
        return alert.pk

    return act


def _alert_resolved(w: W) -> Action:
    from apps.alerts.services import alert_raise

    alert = alert_raise(condition=_alert_condition(), now=timezone.now())
    assert alert is not None

    def act() -> Any:
        from apps.alerts.services import alert_resolve

        alert_resolve(alert_id=alert.pk, now=timezone.now())
        return alert.pk

    return act


SCENARIOS: dict[str, Callable[[W], Action]] = {
    "requisition.submitted": _requisition_submitted,
    "requisition.approved": _requisition_approved,
    "requisition.rejected": _requisition_rejected,
    "requisition.withdrawn": _requisition_withdrawn,
    "requisition.cancelled": _requisition_cancelled,
    "requisition.sourced": _requisition_sourced,
    "purchase_order.issued": _purchase_order_issued,
    "purchase_order.acknowledged": _purchase_order_acknowledged,
    "goods_receipt.posted": _goods_receipt_posted,
    "invoice.received": _invoice_received,
    "invoice.exception_raised": _invoice_exception_raised,
    "invoice.exception_resolved": _invoice_exception_resolved,
    "invoice.exception_escalated": _invoice_exception_escalated,
    "invoice.approved": _invoice_approved,
    "invoice.rejected": _invoice_rejected,
    "invoice.paid": _invoice_paid,
    "payment_run.proposed": _payment_run_proposed,
    "payment_run.released": _payment_run_released,
    "payment_run.paid": _payment_run_paid,
    "payment_run.cancelled": _payment_run_cancelled,
    "supplier.approved": _supplier_approved,
    "supplier.rejected": _supplier_rejected,
    "supplier.blocked": _supplier_blocked,
    "supplier.reopened": _supplier_reopened,
    "supplier.document_expiring": _supplier_document_expiring,
    "bank_account.activated": _bank_account_activated,
    "approval.escalated": _approval_escalated,
    "policy.published": _policy_published,
    "contract.activated": _contract_activated,
    "contract.expiring": _contract_expiring,
    "contract.expired": _contract_expired,
    "contract.terminated": _contract_terminated,
    "alert.raised": _alert_raised,
    "alert.resolved": _alert_resolved,
}


def test_every_event_type_has_a_real_action_and_the_contract_is_covered() -> None:
    assert set(SCENARIOS) == set(EVENT_TYPES)
    assert set(EVENT_TYPES) >= CONTRACT_TYPES


@pytest.mark.parametrize("event_type", sorted(SCENARIOS))
def test_each_type_is_emitted_once_per_action(
    event_type: str, aporg: Any, sorg: Any, receive: Any, in_tenant: Any
) -> None:
    kind = EVENT_TYPES[event_type]
    with in_tenant(aporg.tenant):
        act = SCENARIOS[event_type](W(aporg=aporg, sorg=sorg, receive=receive))
        last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        before = set(OutboxEvent.objects.values_list("id", flat=True))
        with transaction.atomic():
            expected_id = act()
        new = OutboxEvent.objects.exclude(id__in=before).filter(event_type=event_type)
        assert new.count() == 1, [e.payload for e in new]
        event = new.get()
        assert event.schema == kind.schema
        assert set(event.payload) == set(kind.fields)
        assert event.payload["id"] == str(expected_id)
        # recorded in the trail in the same transaction, by an action its type names
        recorded = AuditEvent.objects.filter(
            id__gt=last_event or 0,
            action__in=kind.recorded_as,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
        )
        assert recorded.exists()


def test_the_event_types_name_real_services() -> None:
    for kind in EVENT_TYPES.values():
        for path in kind.emitted_by:
            module, name = f"apps.{path}".rsplit(".", 1)
            assert callable(getattr(importlib.import_module(module), name)), path


def test_an_event_unlike_its_type_is_refused(tenant_a: Any, in_tenant: Any) -> None:
    with in_tenant(tenant_a), transaction.atomic():
        with pytest.raises(EventTypeMismatch, match="give its payload"):
            event_record(actor=None, action="policy.published", subject_type="policy", subject_id=1)
        with pytest.raises(EventTypeMismatch, match="missing"):
            event_record(
                actor=None,
                action="policy.published",
                subject_type="policy",
                subject_id="v9",
                payload={"id": "v9"},
            )
        with pytest.raises(EventTypeMismatch, match="not an event type"):
            event_record(
                actor=None, action="policy.draft_created", subject_type="policy", subject_id=1,
                payload={"id": "v9"},
            )  # fmt: skip
        with pytest.raises(EventTypeMismatch, match="does not announce"):
            event_record(
                actor=None,
                action="policy.draft_created",
                subject_type="policy",
                subject_id="v9",
                announce=[("invoice.paid", {})],
            )


def test_docs_list_every_event_with_its_payload() -> None:
    """docs/events.md is the event types, written by `manage.py write_events_doc`."""
    from apps.events.docs import render

    text = (ROOT / "docs" / "events.md").read_text()
    assert text == render(), "run `manage.py write_events_doc` and commit docs/events.md"
    for name, kind in EVENT_TYPES.items():
        section = text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        assert re.findall(r"^\| `([a-z_]+)` \|", section, re.M) == list(kind.fields)
