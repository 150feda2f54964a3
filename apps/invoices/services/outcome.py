"""The outcome of matching: `invoices_match` applies a matched batch (line results,
exceptions raised or cleared, each invoice's next status) in bulk, and an invoice above the
policy's amount goes to an approval route whose decision comes back through the hooks here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.transitions import move_status_where
from apps.events.services import event_record, event_record_many
from apps.policies.models import PolicyVersion
from apps.policies.routing import NoEligibleApprover, RouteContext, plan_rules
from apps.procurement.services.contract_spend import contract_spend_invoiced
from apps.suppliers.models import Supplier
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_start

from ..contract_price import contract_price_findings
from ..credit_match import credit_note_findings
from ..exception_codes import CODES, MATCH_CODES
from ..header_match import header_only_findings
from ..matching import Finding, load_batch, match_batch
from ..models import ZERO, Invoice, InvoiceException
from ..posting import posting_json_soon, posting_of
from ..rules import policy_section
from .announcements import exceptions_raised, invoice_payload
from .exceptions import exception_due, exceptions_for, exceptions_insert
from .transitions import invoice_transition


@transaction.atomic
def invoices_match(*, invoice_ids: list[Any], actor: Any = "system:matching") -> dict[str, int]:
    """Match a batch set-based and move each invoice on: exception, pending approval or
    approved (touchless when nobody had to act). Each invoice's `invoice.matched` event
    announces its approval and the exceptions it raised or cleared (docs/events.md)."""
    batch = load_batch(invoice_ids)
    if not batch["invoices"]:
        return {"matched": 0}
    version, document = policy_section()
    section = document["invoices"]
    label = version.label
    found = match_batch(section, label)
    header_only = [i["id"] for i in batch["invoices"] if i["header_only"]]
    if header_only:
        found.update(header_only_findings(header_only, section))
    contract_price_findings(found, section)
    credit_note_findings(batch["invoices"], found, label)
    open_by_invoice: dict[Any, list[dict[str, Any]]] = {}
    raised_before: set[Any] = set()
    for row in batch["exceptions"]:
        raised_before.add(row["invoice_id"])
        if row["status"] != InvoiceException.Status.RESOLVED:
            open_by_invoice.setdefault(row["invoice_id"], []).append(row)
    suppliers = dict(
        Supplier.objects.filter(pk__in={i["supplier_id"] for i in batch["invoices"]}).values_list(
            "pk", "name"
        )
    )
    # what an ERP needs to post each approved invoice, read by one statement while the loop
    # below decides: an invoice with a finding is not approved, so only the others are read
    postings = posting_json_soon([i["id"] for i in batch["invoices"] if not found.get(i["id"])])
    now = timezone.now()
    due = exception_due(now, section)
    approval_above = section["approval_above"]
    approval_above = None if approval_above is None else Decimal(str(approval_above))
    new_exceptions: list[InvoiceException] = []
    approved_payloads: dict[str, dict[str, Any]] = {}
    cleared: list[Any] = []
    by_status: dict[str, list[Any]] = {status: [] for status in Invoice.Status.values}
    touched: list[Any] = []  # approved, but somebody acted or something was raised
    events: list[dict[str, Any]] = []
    # what most invoices' events share is one object each, which the trail serialises once
    after_of = {status: {"status": status} for status in Invoice.Status.values}
    clean = {"raised": [], "cleared": 0}
    for invoice in batch["invoices"]:  # in the order they were received
        invoice_id, number = invoice["id"], invoice["invoice_number"]
        key = str(invoice_id)  # the event's subject and its payload's id, made text once
        findings = found.get(invoice_id, [])
        still_open = open_by_invoice.get(invoice_id, [])
        raised = findings
        cleared_here: list[dict[str, Any]] = []
        if still_open:
            found_keys = {(f.code, f.line_id) for f in findings}
            for row in still_open:
                if row["code"] in MATCH_CODES and (row["code"], row["line_id"]) not in found_keys:
                    cleared.append(row["id"])
                    cleared_here.append(row)
            existing = {(row["code"], row["line_id"]) for row in still_open}
            raised = [f for f in findings if (f.code, f.line_id) not in existing]
        new = exceptions_for(invoice_id, raised, policy=label, due=due) if raised else []
        new_exceptions.extend(new)
        if raised or len(still_open) > len(cleared_here):
            status = Invoice.Status.EXCEPTION
        elif (
            invoice["kind"] == Invoice.Kind.INVOICE
            and approval_above is not None
            and invoice["lines_total"] > approval_above
        ):
            status = Invoice.Status.PENDING_APPROVAL
        else:
            status = Invoice.Status.APPROVED
        by_status[status].append(invoice_id)
        event: dict[str, Any] = {
            "actor": actor,
            "action": "invoice.matched",
            "subject_type": "invoice",
            "subject_id": key,
            "policy_version": label,
            "after": after_of[status],
            "data": {
                "raised": [
                    {"code": f.code, "line": f.line_id, "variance": f.amount, "detail": f.detail}
                    for f in raised
                ],
                "cleared": len(cleared_here),
            }
            if raised or cleared_here
            else clean,
        }
        announce: list[tuple[str, dict[str, Any]]] = []
        if status == Invoice.Status.APPROVED:
            # touchless: nobody acted and nothing was ever raised on it (before or now)
            was_touched = invoice["touched"] or invoice_id in raised_before
            if was_touched:
                touched.append(invoice_id)
            approved_payloads[key] = {  # as text already: thousands are serialised per batch
                "id": key,
                "number": number,
                "supplier": str(invoice["supplier_id"]),
                "supplier_name": suppliers.get(invoice["supplier_id"], ""),
                "total": str(invoice["total"]),
                "currency": invoice["currency"],
                "touchless": not was_touched,
            }
            announce.append(("invoice.approved", approved_payloads[key]))
        if new:
            announce.extend(exceptions_raised(new, {invoice_id: number}))
        for row in cleared_here:
            announce.append(
                (
                    "invoice.exception_resolved",
                    {
                        "id": invoice_id,
                        "number": number,
                        "exception": row["id"],
                        "code": row["code"],
                        "category": CODES[row["code"]][0],
                        "resolution": "cleared_by_rematch",
                    },
                )
            )
        if announce:
            event["announce"] = announce
        events.append(event)

    # the posting JSON goes into the outbox as PostgreSQL wrote it
    posting = postings()
    for key, payload in approved_payloads.items():
        payload["posting"] = posting[key]

    def apply() -> None:
        # the status UPDATE first: it is mostly a wait on PostgreSQL, which the hashing
        # thread has the processor for; the exceptions are more Python work than waiting
        _write_outcome(
            now,
            held=by_status[Invoice.Status.EXCEPTION],
            pending=by_status[Invoice.Status.PENDING_APPROVAL],
            touched=touched,
        )
        exceptions_insert(new_exceptions, now)
        if cleared:
            move_status_where(
                InvoiceException.objects.filter(pk__in=cleared),
                InvoiceException.Status.RESOLVED,
                resolution="cleared_by_rematch",
                resolved_at=now,
            )

    # the trail's events are hashed on a worker thread while PostgreSQL applies the outcome
    event_record_many(events, meanwhile=apply)
    approved = set(by_status[Invoice.Status.APPROVED])
    contract_spend_invoiced(
        invoices=[
            (i["purchase_order_id"], i["currency"], i["lines_total"])
            for i in batch["invoices"]
            if i["id"] in approved and i["kind"] == Invoice.Kind.INVOICE
        ]
    )
    for invoice_id in by_status[Invoice.Status.PENDING_APPROVAL]:
        _start_approval(invoice_id, version, document)
    counts = {str(status): len(ids) for status, ids in by_status.items() if ids}
    return {"matched": len(batch["invoices"]), **counts}


def _write_outcome(now: Any, *, held: list[Any], pending: list[Any], touched: list[Any]) -> None:
    """Each batch invoice's new status by one UPDATE: held in exception, or approved (touchless
    unless touched); an invoice going to an approval route keeps its status for the route to
    move. Every one is stamped `matched_at`, which tells the next match that its line results
    exist. Only the ids that differ from "approved, touchless" are sent, as binary arrays
    (%b); the batch's ids are in its temporary table already. It is the set-based form of
    Invoice.TRANSITIONS' received → approved | exception, written in SQL for the batch's
    sake: only rows still `received` move."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE invoices_invoice AS i SET
                status = CASE WHEN p.id IS NOT NULL THEN i.status
                    WHEN h.id IS NULL THEN %(approved)s ELSE %(exception)s END,
                matched_at = %(now)s,
                approved_at = CASE WHEN p.id IS NULL AND h.id IS NULL THEN %(now)s
                    ELSE i.approved_at END,
                touchless = i.touchless OR (p.id IS NULL AND h.id IS NULL AND t.id IS NULL)
            FROM invoice_match_batch AS b
                LEFT JOIN unnest(%(held)b::uuid[]) AS h(id) ON h.id = b.id
                LEFT JOIN unnest(%(touched)b::uuid[]) AS t(id) ON t.id = b.id
                LEFT JOIN unnest(%(pending)b::uuid[]) AS p(id) ON p.id = b.id
            WHERE i.id = b.id AND i.status = %(received)s
            """,
            {
                "now": now,
                "held": held,
                "touched": touched,
                "pending": pending,
                "approved": Invoice.Status.APPROVED,
                "exception": Invoice.Status.EXCEPTION,
                "received": Invoice.Status.RECEIVED,
            },
        )


def _start_approval(invoice_id: Any, version: PolicyVersion, document: dict[str, Any]) -> None:
    invoice = Invoice.objects.select_for_update().select_related("supplier").get(pk=invoice_id)
    section = document["invoices"]
    requester = (
        invoice.received_by
        or User.objects.filter(groups__name="ap_clerk", is_active=True).order_by("pk").first()
    )
    rule = {
        "id": "invoice-approval",
        "name": _("Invoices above %s: approval") % section["approval_above"],
        "when": "true",
        "steps": [{"approver": {"type": "role", "role": section["approval_role"]}}],
    }
    try:
        if requester is None:
            raise NoEligibleApprover(_("Nobody received this invoice to route it from."))
        plan = plan_rules(
            number=version.number,
            rules=[rule],
            settings=document["settings"],
            sod=["no_self_approval"],
            facts={},
            context=RouteContext(
                requester=requester,
                cost_center_manager=None,
                amount=invoice.lines_total,
                currency=invoice.currency,
            ),
        )
    except NoEligibleApprover as exc:
        finding = Finding(
            "approval_unroutable", None, _("The approval cannot be routed: %s") % exc.detail, ZERO
        )
        due = exception_due(timezone.now(), section)
        exceptions_for(invoice.pk, [finding], policy=version.label, due=due)[0].save()
        invoice_transition(invoice, Invoice.Status.EXCEPTION)
        invoice.save(update_fields=["status"])
        return
    invoice_transition(invoice, Invoice.Status.PENDING_APPROVAL)
    invoice.save(update_fields=["status"])
    route_start(
        subject_type="invoice",
        subject_id=invoice.pk,
        requester=requester,
        plan=plan,
        sod=["no_self_approval", "one_step_per_person"],
        settings=document["settings"],
    )
    event_record(
        actor="system:policy",
        action="invoice.route_started",
        subject_type="invoice",
        subject_id=invoice.pk,
        policy_version=version.label,
        data={"rule": plan.rule_id, "above": section["approval_above"]},
    )


def invoice_approve(invoice: Invoice, *, actor: Any, reason: str) -> None:
    invoice_transition(invoice, Invoice.Status.APPROVED)
    invoice.approved_at = timezone.now()
    invoice.approved_by = actor if isinstance(actor, User) else None
    invoice.save(update_fields=["status", "approved_at", "approved_by"])
    if invoice.kind == Invoice.Kind.INVOICE:
        contract_spend_invoiced(
            invoices=[(invoice.purchase_order_id, invoice.currency, invoice.lines_total)]
        )
    event_record(
        actor=actor,
        action="invoice.approved",
        subject_type="invoice",
        subject_id=invoice.pk,
        policy_version=invoice.policy_version,
        data={"reason": reason},
        payload=invoice_payload(
            invoice, touchless=False, posting=posting_of([invoice.pk])[str(invoice.pk)]
        ),
    )


def invoice_route_approved(route: ApprovalRoute, actor: User) -> None:
    invoice = Invoice.objects.select_for_update().get(pk=route.subject_id)
    invoice.touched = True
    invoice.save(update_fields=["touched"])
    invoice_approve(invoice, actor=actor, reason=_("the approval route approved"))


def invoice_route_rejected(route: ApprovalRoute, actor: User, comment: str) -> None:
    invoice = Invoice.objects.select_for_update().get(pk=route.subject_id)
    invoice_transition(invoice, Invoice.Status.REJECTED)
    invoice.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="invoice.rejected",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={"comment": comment},
        payload=invoice_payload(invoice, reason=comment),
    )
