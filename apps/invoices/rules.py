"""What accounts payable decides by: the published policy's invoice section, who may work an
exception queue, and how large a variance a person may accept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.accounts.models import User
from apps.accounts.pages import perms_of
from apps.policies.document import validate_document
from apps.policies.models import PolicyVersion
from apps.policies.selectors import policy_published

from .exception_codes import QUEUES


def policy_section(version: PolicyVersion | None = None) -> tuple[PolicyVersion, dict[str, Any]]:
    version = version or policy_published()
    return version, validate_document(version.document)


# Internal roles that read invoices: those who process, approve, buy and receive against them,
# compliance and auditors. A requester's work ends at the requisition (docs/roles.md).
INVOICE_READERS = perms_of("invoices")


def may_read_invoices(actor: User) -> bool:
    return any(actor.has_perm(p) for p in INVOICE_READERS)


# What the supplier of an invoice is not told: suspicions about it (fraud risk: sanctions,
# bank details shared with another supplier, unusual amounts) and the suppliers a seller
# might also be. A duplicate is its own to know only when the original is its own invoice.
HIDDEN_FROM_SUPPLIER_CATEGORIES = {"fraud_risk"}
HIDDEN_FROM_SUPPLIER_CODES = {"ambiguous_supplier"}


def supplier_may_see(code: str, category: str, invoice: Any) -> bool:
    """Whether the invoice's supplier may see an exception of this code and category on its
    invoice (the portal API). `invoice.duplicate_of` is read as loaded."""
    if category in HIDDEN_FROM_SUPPLIER_CATEGORIES or code in HIDDEN_FROM_SUPPLIER_CODES:
        return False
    if code == "duplicate_suspected":
        return own_original(invoice) is not None
    return True


def own_original(invoice: Any) -> Any:
    """The invoice this one duplicates, when it is the same supplier's; else None."""
    original = invoice.duplicate_of
    if original is None or original.supplier_id != invoice.supplier_id:
        return None
    return original


def may_work(actor: User, queue: str) -> bool:
    """Queue owners work their queue; AP works every queue but compliance's."""
    if queue == "compliance":
        return actor.has_perm("accounts.review_screening")
    return actor.has_perm(QUEUES[queue][0]) or actor.has_perm("accounts.process_invoices")


def variance_authority(actor: User) -> Decimal:
    """The largest variance the actor may accept: the highest of their roles' limits."""
    _version, document = policy_section()
    limits = document["invoices"]["variance_authority"]
    roles = [g.name for g in actor.groups.all()]
    return max((Decimal(str(limits[r])) for r in roles if r in limits), default=Decimal("0"))
