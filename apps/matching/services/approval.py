"""An invoice above the policy's amount goes to an approval route after matching; the route's
decision comes back through the hooks here (registered in MatchingConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.events.services import event_record
from apps.invoices.models import ZERO, Invoice
from apps.invoices.posting import posting_of
from apps.invoices.services.announcements import invoice_payload
from apps.invoices.services.exceptions import exception_due, exceptions_for
from apps.invoices.services.transitions import invoice_transition
from apps.invoices.tolerances import Finding
from apps.policies.models import PolicyVersion
from apps.policies.routing import NoEligibleApprover, RouteContext, plan_rules
from apps.procurement.services.contract_spend import contract_spend_invoiced
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_start


def invoice_route_start(invoice_id: Any, version: PolicyVersion, document: dict[str, Any]) -> None:
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
