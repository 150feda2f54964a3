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
