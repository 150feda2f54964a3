"""Who may act for a supplier: its own portal users (django-guardian object permissions on
that supplier only) and the internal roles; the supplier row locked for the change."""

from __future__ import annotations

from typing import Any

from guardian.shortcuts import assign_perm

from apps.accounts.models import User
from apps.controls.refusals import NotFound, PermissionRefused
from apps.events.services import events_lock_first

from ..models import Supplier


def may_act_for(actor: User, supplier: Supplier) -> bool:
    """Buyers and admins act for every supplier; a supplier user only for its own (guardian)."""
    return actor.has_perm("accounts.manage_suppliers") or actor.has_perm(
        "suppliers.change_supplier", supplier
    )


# Who reads a supplier's documents (tax forms, bank letters) and bank accounts besides its own
# portal users: those who onboard suppliers (buyers, tenant admins), those who verify bank
# details (AP clerks, compliance) and auditors. Not requesters, approvers, receivers or AP
# managers (docs/roles.md).
FILE_READERS = (
    "accounts.manage_suppliers",
    "accounts.verify_bank_details",
    "accounts.view_audit",
)


def may_read_files(actor: User, supplier: Supplier) -> bool:
    return any(actor.has_perm(p) for p in FILE_READERS) or actor.has_perm(
        "suppliers.change_supplier", supplier
    )


def require_file_access(actor: User, supplier: Supplier) -> None:
    """Refuses anyone but the readers above the supplier's documents and bank accounts."""
    if not may_read_files(actor, supplier):
        raise PermissionRefused()


def locked(supplier_id: Any) -> Supplier:
    # the event chain before the supplier row, as every transaction takes them (a supplier's
    # onboarding approval records its event first, then locks the supplier)
    events_lock_first()
    return Supplier.objects.select_for_update().get(pk=supplier_id)


def locked_for(actor: User, supplier_id: Any) -> Supplier:
    events_lock_first()
    supplier = Supplier.objects.select_for_update().filter(pk=supplier_id).first()
    if supplier is None or not (
        may_act_for(actor, supplier) or actor.has_perm("accounts.view_reference_data")
    ):
        raise NotFound()
    if not may_act_for(actor, supplier):
        raise PermissionRefused()
    return supplier


def portal_access_grant(user: User, supplier: Supplier) -> None:
    # object-level: this user reads and acts for this supplier only
    assign_perm("suppliers.view_supplier", user, supplier)
    assign_perm("suppliers.change_supplier", user, supplier)
