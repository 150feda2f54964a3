"""The process map's activities in words: the audit actions (and the map's three readings of
them, apps.insights.process) as people in procurement and AP say them. An action without a
label of its own is shown as its name reads ("invoice.exception_overdue" → "Invoice exception
overdue"), so a new action appears on the map the day a service starts recording it."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LABELS: dict[str, str | Promise] = {
    "requisition.created": _("Requisition created"),
    "requisition.updated": _("Requisition edited"),
    "requisition.contract_linked": _("Contract linked"),
    "requisition.submitted": _("Submitted"),
    "requisition.approved": _("Requisition approved"),
    "requisition.auto_approved": _("Approved automatically"),
    "requisition.rejected": _("Requisition rejected"),
    "requisition.withdrawn": _("Withdrawn to draft"),
    "requisition.cancelled": _("Requisition cancelled"),
    "requisition.sourced": _("Supplier chosen by a buyer"),
    "approval.approved": _("Approval step approved"),
    "approval.rejected": _("Approval step rejected"),
    "approval.escalated": _("Approval escalated"),
    "approval.delegated": _("Approval delegated"),
    "approval.route_cancelled": _("Approval route cancelled"),
    "purchase_order.issued": _("PO issued"),
    "purchase_order.acknowledged": _("PO acknowledged by the supplier"),
    "goods_receipt.posted": _("Goods received"),
    "invoice.received": _("Invoice received"),
    "invoice.supplier_chosen": _("Supplier corrected"),
    "invoice.lines_confirmed": _("Lines confirmed"),
    "invoice.matched": _("Matched"),
    "invoice.matched.approved": _("Matched, approved"),
    "invoice.matched.pending_approval": _("Matched, to approval"),
    "invoice.matched.exception": _("Matched, exception"),
    "invoice.matched.rejected": _("Matched, rejected"),
    "invoice.matched.received": _("Matched, waiting"),
    "invoice.route_started": _("Sent for approval"),
    "invoice.exception_raised": _("Exception raised"),
    "invoice.exception_resolved": _("Exception resolved"),
    "invoice.exception_assigned": _("Exception assigned"),
    "invoice.exception_commented": _("Exception commented"),
    "invoice.exception_escalated": _("Exception escalated"),
    "invoice.rematch_requested": _("Rematch requested"),
    "invoice.approved": _("Invoice approved"),
    "invoice.rejected": _("Invoice rejected"),
    "invoice.posted": _("Posted to the ERP"),
    "invoice.paid": _("Paid"),
}


def activity_label(name: str) -> str:
    label = LABELS.get(name)
    if label is not None:
        return str(label)
    words = name.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
