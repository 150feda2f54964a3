"""Exception codes: their category, the queue that owns them, and what may resolve them.

A queue is a team: the capability its members hold decides who sees and works it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

QUEUES = {
    "ap": ("accounts.process_invoices", _("Accounts payable")),
    "buyer": ("accounts.manage_purchase_orders", _("Buyers")),
    "receiver": ("accounts.post_goods_receipt", _("Receiving")),
    "procurement": ("accounts.manage_purchase_orders", _("Procurement")),
    "compliance": ("accounts.review_screening", _("Compliance")),
}

# code: (category, queue, description)
CODES: dict[str, tuple[str, str, Any]] = {
    "no_po": ("policy_violation", "procurement", _("The invoice quotes no purchase order.")),
    "po_not_found": ("data_quality", "ap", _("The quoted purchase order does not exist.")),
    "price_variance": ("commercial_mismatch", "buyer", _("Invoiced price above the order.")),
    "quantity_variance": (
        "commercial_mismatch",
        "buyer",
        _("Invoiced quantity above what was ordered."),
    ),
    "not_received": ("commercial_mismatch", "receiver", _("Invoiced before the goods arrived.")),
    "duplicate_suspected": ("data_quality", "ap", _("Looks like an invoice already received.")),
    "tax_mismatch": ("data_quality", "ap", _("Lines, tax and totals do not add up.")),
    "invalid_tax_id": ("data_quality", "ap", _("The supplier's tax id is not valid.")),
    "supplier_not_approved": (
        "policy_violation",
        "procurement",
        _("The supplier is not approved."),
    ),
    "sanctions_hit": ("fraud_risk", "compliance", _("The supplier has a sanctions hit.")),
    "bank_details_changed": (
        "fraud_risk",
        "compliance",
        _("The supplier's bank details changed recently."),
    ),
    "amount_anomaly": (
        "fraud_risk",
        "compliance",
        _("Far from this supplier's usual amounts (mean ± 2 std. dev. of its approved ones)."),
    ),
    # review signals (REVIEW_CODES): someone looks, the invoice is not held for them
    "invoice_early": (
        "fraud_risk",
        "ap",
        _("Far sooner than this supplier's usual interval between invoices."),
    ),
    "behaviour_anomaly": (
        "fraud_risk",
        "compliance",
        _("The anomaly assistant scored this invoice unusual for its supplier."),
    ),
    # beyond the contract's list: the supplier's account is also another supplier's
    "bank_account_shared": (
        "fraud_risk",
        "compliance",
        _("The supplier's bank account is also on file for another supplier."),
    ),
    "currency_mismatch": ("data_quality", "ap", _("The currency differs from the order's.")),
    # beyond the contract's list: an approval the policy asks for but nobody can give
    "approval_unroutable": (
        "approval_bottleneck",
        "ap",
        _("The invoice approval has no eligible approver."),
    ),
    # beyond the contract's list: what the ERP reports disagrees with Spendgate (inbound ERP
    # events and the daily reconciliation, docs/integrations.md)
    "erp_payment_mismatch": (
        "commercial_mismatch",
        "ap",
        _("The ERP paid another amount or currency than the invoice's open amount."),
    ),
    "erp_payment_unapproved": (
        "policy_violation",
        "ap",
        _("The ERP paid an invoice Spendgate has not approved."),
    ),
    "erp_not_posted": (
        "data_quality",
        "ap",
        _("Approved, but the ERP has not posted it within the grace period."),
    ),
    "erp_payment_unconfirmed": (
        "data_quality",
        "ap",
        _("Paid here, but the ERP never confirmed the payment."),
    ),
    # beyond the contract's list: the seller's tax id or name fits several suppliers
    "ambiguous_supplier": (
        "data_quality",
        "ap",
        _("Several suppliers match the seller on the invoice; AP chooses one."),
    ),
    # beyond the contract's list: a header-only e-invoice (Factur-X MINIMUM, BASIC WL) where
    # the policy matches lines
    "lines_required": (
        "data_quality",
        "ap",
        _("The invoice carries no lines and the policy matches lines."),
    ),
    # a credit note tied to no purchase order of its supplier and no invoice it credits
    "credit_note_unmatched": (
        "data_quality",
        "ap",
        _("The credit note is tied to no order or invoice it corrects."),
    ),
}
ERP_CODES = {
    "erp_payment_mismatch",
    "erp_payment_unapproved",
    "erp_not_posted",
    "erp_payment_unconfirmed",
}
# raised by matching and cleared by a re-match that no longer finds them
MATCH_CODES = {
    "price_variance",
    "quantity_variance",
    "not_received",
    "lines_required",
    "credit_note_unmatched",
}
VARIANCE_CODES = {"price_variance", "quantity_variance"}
# raised for a person to look at, never holding the invoice from approval or payment: matching
# and re-matching pass over them (outcome.py, closing.py); `reviewed` closes them
REVIEW_CODES = {"invoice_early", "behaviour_anomaly"}

# resolution: (codes it applies to, or None for all; needs a comment)
RESOLUTIONS: dict[str, tuple[set[str] | None, bool]] = {
    "accept_variance": (VARIANCE_CODES, False),
    "request_credit_note": (VARIANCE_CODES | {"tax_mismatch"}, True),
    "rematch": (None, False),
    "reject_invoice": (None, True),
    # a credit note is tied to what it corrects (link_invoice, rematch) or rejected, never
    # overridden into approval
    "override": (
        set(CODES)
        - {"duplicate_suspected", "ambiguous_supplier", "credit_note_unmatched"}
        - ERP_CODES
        - REVIEW_CODES,
        True,
    ),
    # a review signal looked at (say what was checked); the invoice itself is not moved
    "reviewed": (REVIEW_CODES, True),
    "release_duplicate": ({"duplicate_suspected"}, True),
    # an ERP disagreement settled outside Spendgate (say how); the invoice itself is not moved
    "acknowledge": (ERP_CODES, True),
    # the supplier AP picks among the candidates the exception names
    "choose_supplier": ({"ambiguous_supplier"}, False),
    # the order's lines become the invoice's lines (when they add up to its net)
    "confirm_order_lines": ({"lines_required"}, False),
    # the lines AP enters from the supplier's PDF (when they add up to its net)
    "enter_lines": ({"lines_required"}, False),
    # the invoice a credit note credits (same supplier and currency)
    "link_invoice": ({"credit_note_unmatched"}, False),
}

# What people read instead of the codes (apps.portal.labels collects these).
CODE_LABELS = {
    "no_po": _("No purchase order"),
    "po_not_found": _("Unknown purchase order"),
    "price_variance": _("Price variance"),
    "quantity_variance": _("Quantity variance"),
    "not_received": _("Goods not received"),
    "duplicate_suspected": _("Possible duplicate"),
    "tax_mismatch": _("Tax does not add up"),
    "invalid_tax_id": _("Invalid tax id"),
    "supplier_not_approved": _("Supplier not approved"),
    "sanctions_hit": _("Sanctions hit"),
    "bank_details_changed": _("Bank details changed"),
    "amount_anomaly": _("Unusual amount"),
    "bank_account_shared": _("Bank account shared with another supplier"),
    "currency_mismatch": _("Currency differs from the order"),
    "approval_unroutable": _("No eligible approver"),
    "erp_payment_mismatch": _("ERP payment differs"),
    "erp_payment_unapproved": _("ERP paid an unapproved invoice"),
    "erp_not_posted": _("Not posted by the ERP"),
    "erp_payment_unconfirmed": _("Payment not confirmed by the ERP"),
    "ambiguous_supplier": _("Several suppliers match"),
    "lines_required": _("Lines required"),
    "credit_note_unmatched": _("Credit note tied to nothing"),
    "invoice_early": _("Invoice earlier than usual"),
    "behaviour_anomaly": _("Unusual supplier behaviour"),
}
CATEGORY_LABELS = {
    "policy_violation": _("Policy violation"),
    "data_quality": _("Data quality"),
    "commercial_mismatch": _("Commercial mismatch"),
    "fraud_risk": _("Fraud risk"),
    "approval_bottleneck": _("Approval bottleneck"),
}
RESOLUTION_LABELS = {
    "accept_variance": _("Accept the variance"),
    "request_credit_note": _("Request a credit note"),
    "rematch": _("Match again"),
    "reject_invoice": _("Reject the invoice"),
    "override": _("Override"),
    "release_duplicate": _("Not a duplicate: release"),
    "acknowledge": _("Settled with the ERP"),
    "choose_supplier": _("Choose the supplier"),
    "confirm_order_lines": _("Confirm the order's lines"),
    "enter_lines": _("Enter the invoice's lines"),
    "link_invoice": _("Link the credited invoice"),
    "reviewed": _("Reviewed: nothing wrong"),
}
MATCH_KINDS = {
    "three_way": _("Three-way (order, receipt, invoice)"),
    "two_way": _("Two-way (order, invoice)"),
    "credit": _("Credit note (its order line or the invoice it credits)"),
}
