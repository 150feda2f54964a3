"""The event types: every event type other systems hear of (webhooks, ERPs), when it fires,
the service that emits it, the audit actions it is recorded under, and its payload.

A payload's fields are the contract with subscribers: `event_record` refuses a payload whose
fields differ from the ones listed here, so this table (and docs/events.md, which a test holds
to it) cannot drift from what is sent. Removing or retyping a field is a new `schema` number;
adding one is not. Every payload has `id`, the id of the thing the type is named after."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .payloads import ALERT as _ALERT
from .payloads import CONTRACT as _CONTRACT
from .payloads import EXCEPTION as _EXCEPTION
from .payloads import INVOICE as _INVOICE
from .payloads import PAYMENT_RUN as _PAYMENT_RUN
from .payloads import REQUISITION as _REQUISITION
from .payloads import SUPPLIER as _SUPPLIER


@dataclass(frozen=True)
class EventType:
    type: str
    schema: int
    subject: str  # what `id` names (the outbox row keeps the audit event's subject)
    fires: str | Promise  # when, in the product's words (marked for translation)
    emitted_by: tuple[str, ...]  # the services that emit it
    recorded_as: tuple[str, ...]  # the audit actions whose event announces it
    fields: dict[str, str]  # payload field → what it holds
    completed_at_dispatch: tuple[str, ...] = ()  # left null by a batch (events.completion)


EVENT_TYPES: dict[str, EventType] = {
    e.type: e
    for e in [
        # ----------------------------------------------------------------- requisitions
        EventType(
            "requisition.submitted",
            1,
            "requisition",
            _("a requester submits a requisition; the policy routed it"),
            ("procurement.services.requisitions.requisition_submit",),
            ("requisition.submitted",),
            {**_REQUISITION, "rule": "id of the policy rule that matched"},
        ),
        EventType(
            "requisition.approved",
            1,
            "requisition",
            _("the last approval step approves it, or the policy approves it at once"),
            (
                "procurement.services.requisitions.requisition_submit",
                "procurement.services.requisitions.requisition_route_approved",
            ),
            ("requisition.approved",),
            {**_REQUISITION, "reason": "why it is approved, in words"},
        ),
        EventType(
            "requisition.rejected",
            1,
            "requisition",
            _("an approver rejects it"),
            ("procurement.services.requisitions.requisition_route_rejected",),
            ("requisition.rejected",),
            {**_REQUISITION, "comment": "the approver's comment"},
        ),
        EventType(
            "requisition.withdrawn",
            1,
            "requisition",
            _("the requester takes it back to draft while it waits for approval"),
            ("procurement.services.requisitions.requisition_withdraw",),
            ("requisition.withdrawn",),
            _REQUISITION,
        ),
        EventType(
            "requisition.cancelled",
            1,
            "requisition",
            _("the requester cancels it"),
            ("procurement.services.requisitions.requisition_cancel",),
            ("requisition.cancelled",),
            _REQUISITION,
        ),
        EventType(
            "requisition.sourced",
            1,
            "requisition",
            _("a buyer chooses the supplier of an approved requisition that named none"),
            ("procurement.services.sourcing.requisition_source",),
            ("requisition.sourced",),
            {**_REQUISITION, "supplier": "supplier id"},
        ),
        # ----------------------------------------------------------------- orders, receipts
        EventType(
            "purchase_order.issued",
            1,
            "purchase_order",
            _("an approved requisition with its supplier becomes a purchase order"),
            ("procurement.services.orders.purchase_order_issue",),
            ("purchase_order.issued",),
            {
                "id": "purchase order id",
                "number": "order number suppliers quote (PO-US01-000042)",
                "requisition": "requisition number",
                "supplier": "supplier id, or null",
                "legal_entity": "legal entity code",
                "total": "total, decimal string",
                "currency": "ISO 4217 code",
            },
        ),
        EventType(
            "purchase_order.acknowledged",
            1,
            "purchase_order",
            _("the supplier acknowledges the order in the supplier portal"),
            ("procurement.services.orders.purchase_order_acknowledge",),
            ("purchase_order.acknowledged",),
            {
                "id": "purchase order id",
                "number": "order number",
                "supplier": "supplier id",
                "acknowledged_by": "the supplier user's e-mail",
            },
        ),
        EventType(
            "goods_receipt.posted",
            1,
            "goods_receipt",
            _("a receiver posts a receipt or a return on an order"),
            ("procurement.services.receiving.goods_receipt_post",),
            ("goods_receipt.posted",),
            {
                "id": "goods receipt id",
                "number": "receipt number (GR-000007)",
                "purchase_order": "order number",
                "return": "true for a return (negative quantities)",
                "lines": "[{po_line, line_no, quantity}]",
            },
        ),
        # ----------------------------------------------------------------- invoices
        EventType(
            "invoice.received",
            1,
            "invoice",
            _("an invoice or credit note arrives by any channel"),
            ("invoices.services.receive.invoice_receive",),
            ("invoice.received",),
            {
                **_INVOICE,
                "kind": "invoice or credit_note",
                "channel": "api, ubl, cii, facturx, csv, portal, email",
                "purchase_order": "the order number the invoice quotes, or empty",
            },
        ),
        EventType(
            "invoice.exception_raised",
            1,
            "invoice",
            _(
                "a check at intake or matching, or an ERP disagreement (inbound ERP events, the "
                "daily reconciliation), raises an exception (one event per exception)"
            ),
            (
                "invoices.services.receive.invoice_receive",
                "matching.services.outcome.invoices_match",
                "invoices.services.erp.exception_raise_for_erp",
            ),
            ("invoice.received", "invoice.matched", "invoice.exception_raised"),
            _EXCEPTION,
        ),
        EventType(
            "invoice.exception_resolved",
            1,
            "invoice",
            _(
                "an exception is resolved: by AP, by a re-match that clears it, by the credit note "
                "it asked for, because its invoice was rejected, or by the ERP's news (a posting "
                "or a payment confirmation that answers it)"
            ),
            (
                "invoices.services.resolutions.exception_resolve",
                "invoices.services.credit_notes.credit_note_settle",
                "matching.services.outcome.invoices_match",
                "invoices.services.erp.invoice_posted_by_erp",
                "payments.services.erp.invoice_payment_from_erp",
            ),
            (
                "invoice.exception_resolved",
                "invoice.matched",
                "invoice.credit_note_received",
                "invoice.rejected",
            ),
            {**_EXCEPTION, "resolution": "how it was resolved (accept_variance, …)"},
        ),
        EventType(
            "invoice.exception_escalated",
            1,
            "invoice",
            _("an open exception passes its SLA; the queue's leads are told"),
            ("invoices.services.escalation.exceptions_sla_sweep",),
            ("invoice.exception_escalated",),
            {
                **_EXCEPTION,
                "queue": "the exception's queue",
                "due_at": "when it was due",
                "assignee": "assignee's e-mail, or null",
                "escalated_to": "e-mails of the people told",
            },
        ),
        EventType(
            "invoice.approved",
            1,
            "invoice",
            _(
                "an invoice is approved for payment: matched touchlessly, by its approval route, "
                "or after its exceptions were resolved"
            ),
            (
                "matching.services.outcome.invoices_match",
                "matching.services.approval.invoice_approve",
            ),
            ("invoice.matched", "invoice.approved"),
            {
                **_INVOICE,
                "touchless": "true when nobody had to act on it",
                "posting": "what an ERP needs to post it: legal entity, supplier (id, name, tax "
                "id, ERP reference), order, cost center, spend category, dates, net and tax by "
                "rate, totals, lines (docs/integrations.md; filled in at dispatch after a batch)",
            },
            completed_at_dispatch=("posting",),
        ),
        EventType(
            "invoice.rejected",
            1,
            "invoice",
            _("an invoice is rejected (by AP, as a confirmed duplicate, or by its approval route)"),
            (
                "invoices.services.resolutions.exception_resolve",
                "matching.services.approval.invoice_route_rejected",
            ),
            ("invoice.rejected",),
            {**_INVOICE, "reason": "why, in words"},
        ),
        EventType(
            "invoice.paid",
            1,
            "invoice",
            _(
                "the bank confirms the payment run that paid it (by hand, or a camt.053 / camt.054 "
                "statement entry), or the ERP's payments (`payment.executed`) reach its payable "
                "amount"
            ),
            (
                "payments.services.runs.payment_run_confirm",
                "payments.services.statements.statement_import",
                "payments.services.erp.invoice_payment_from_erp",
            ),
            ("invoice.paid",),
            {
                **_INVOICE,
                "payment_run": "payment run number, empty when the ERP paid it",
                "amount": "amount paid, decimal string",
            },
        ),
        # ----------------------------------------------------------------- payment runs
        EventType(
            "payment_run.proposed",
            1,
            "payment_run",
            _(
                "AP proposes a run of the approved invoices that are due (one per legal entity and "
                "currency)"
            ),
            ("payments.services.runs.payment_proposal_create",),
            ("payment_run.proposed",),
            _PAYMENT_RUN,
        ),
        EventType(
            "payment_run.released",
            1,
            "payment_run",
            _(
                "an AP manager with no hand in its invoices releases the run (segregation of "
                "duties); its pain.001 file is made"
            ),
            ("payments.services.runs.payment_run_release",),
            ("payment_run.released",),
            {**_PAYMENT_RUN, "released_by": "e-mail of who released it"},
        ),
        EventType(
            "payment_run.paid",
            1,
            "payment_run",
            _(
                "the bank confirms the run (by hand, or a statement confirms its last payment); "
                "its invoices are paid"
            ),
            (
                "payments.services.runs.payment_run_confirm",
                "payments.services.statements.statement_import",
            ),
            ("payment_run.paid",),
            _PAYMENT_RUN,
        ),
        EventType(
            "payment_run.cancelled",
            1,
            "payment_run",
            _(
                "a run is cancelled before it is paid (by AP, or because the ERP paid every "
                "invoice in it meanwhile)"
            ),
            (
                "payments.services.runs.payment_run_cancel",
                "payments.services.runs.payment_runs_drop",
            ),
            ("payment_run.cancelled",),
            _PAYMENT_RUN,
        ),
        # ----------------------------------------------------------------- suppliers
        EventType(
            "supplier.approved",
            1,
            "supplier",
            _("the onboarding route approves a supplier"),
            ("suppliers.services.decisions.supplier_route_approved",),
            ("supplier.approved",),
            {**_SUPPLIER, "policy_version": "policy version of the onboarding route"},
        ),
        EventType(
            "supplier.rejected",
            1,
            "supplier",
            _("the onboarding route rejects a supplier"),
            ("suppliers.services.decisions.supplier_route_rejected",),
            ("supplier.rejected",),
            {**_SUPPLIER, "comment": "the approver's comment"},
        ),
        EventType(
            "supplier.blocked",
            1,
            "supplier",
            _("a supplier is blocked (by a person, or by a confirmed sanctions hit)"),
            (
                "suppliers.services.screening.supplier_block",
                "suppliers.services.screening.screening_hit_resolve",
            ),
            ("supplier.blocked",),
            {**_SUPPLIER, "reason": "why, in words"},
        ),
        EventType(
            "supplier.reopened",
            1,
            "supplier",
            _("a rejected or blocked supplier is reopened for onboarding"),
            ("suppliers.services.screening.supplier_reopen",),
            ("supplier.reopened",),
            {**_SUPPLIER, "reason": "why, in words"},
        ),
        EventType(
            "supplier.document_expiring",
            1,
            "supplier",
            _(
                "a supplier document reaches one of the policy's alert days before it expires (30, "
                "14 and 7 by default)"
            ),
            ("suppliers.services.renewals.document_renewal_alerts",),
            ("supplier.document_expiring",),
            {
                "id": "supplier id",
                "name": "supplier name",
                "document": "document id",
                "doc_type": "w9, w8ben, vat_certificate, insurance_certificate, …",
                "expires_on": "ISO date",
                "days_left": "days until it expires",
            },
        ),
        EventType(
            "bank_account.activated",
            1,
            "bank_account",
            _("a supplier's new bank account passes the bank-change control and becomes active"),
            ("suppliers.services.banking.bank_account_approve",),
            ("supplier.bank_account_approved",),
            {
                "id": "bank account id",
                "supplier": "supplier id",
                "supplier_name": "supplier name",
                "account": "the account number, masked (•••• 4321)",
                "account_holder": "account holder",
                "replaces": "ids of the accounts it replaces (none for a supplier's first account)",
            },
        ),
        # ----------------------------------------------------------------- approvals, policy
        EventType(
            "approval.escalated",
            1,
            "approval_route",
            _("an approval step passes its SLA and is escalated"),
            ("workflow.services.sla_sweep",),
            ("approval.escalated",),
            {
                "id": "approval route id",
                "subject_type": "what is being approved (requisition, supplier, invoice)",
                "subject_id": "its id",
                "step": "step number",
                "escalated_to": "e-mails of the people it was escalated to",
                "due_at": "when the step was due",
            },
        ),
        EventType(
            "policy.published",
            1,
            "policy",
            _("a tenant admin publishes a policy version; new decisions use it"),
            ("policies.services.policy_publish",),
            ("policy.published",),
            {
                "id": "policy version label (v4)",
                "number": "version number",
                "published_by": "e-mail of who published it (or system:seed)",
                "previous": "label of the version it replaces, or null",
            },
        ),
        EventType(
            "contract.activated",
            1,
            "contract",
            _("a contract becomes active (at once, or when its approval route approves)"),
            ("contracts.services.register.contract_activate",),
            ("contract.activated",),
            _CONTRACT,
        ),
        EventType(
            "contract.expiring",
            1,
            "contract",
            _("an active contract reaches its notice date, or 30, 14 or 7 days before its end"),
            ("contracts.services.renewals.contract_renewal_alerts",),
            ("contract.expiring",),
            {
                **_CONTRACT,
                "alert": "notice (the last day to give notice) or end",
                "days_left": "days until it ends",
                "notice_date": "ISO date, or null without a notice period",
                "auto_renew": "whether it renews itself at the end",
            },
        ),
        EventType(
            "contract.expired",
            1,
            "contract",
            _("a contract without auto-renewal passes its end date (no longer on contract)"),
            ("contracts.services.renewals.contract_renewal_alerts",),
            ("contract.expired",),
            _CONTRACT,
        ),
        EventType(
            "contract.terminated",
            1,
            "contract",
            _("a buyer or tenant admin ends a contract early (or withdraws a draft)"),
            ("contracts.services.register.contract_terminate",),
            ("contract.terminated",),
            {**_CONTRACT, "reason": "why it ended"},
        ),
        # ----------------------------------------------------------------------- alerts
        EventType(
            "alert.raised",
            1,
            "alert",
            _(
                "a business alert's condition starts to hold (checked every minute; once per rule "
                "and subject until it clears)"
            ),
            ("alerts.services.alert_raise",),
            ("alert.raised",),
            {**_ALERT, "detail": "what holds, in words"},
        ),
        EventType(
            "alert.resolved",
            1,
            "alert",
            _("the condition of an open alert no longer holds"),
            ("alerts.services.alert_resolve",),
            ("alert.resolved",),
            {**_ALERT, "resolved_at": "when it was resolved"},
        ),
    ]
}


class EventTypeMismatch(Exception):
    """A programming error: an event written unlike its event type says."""
