"""Who may act for a supplier: its own portal users (django-guardian object permissions on
that supplier only) and the internal roles; the supplier row locked for the change."""

from __future__ import annotations

from typing import Any

from guardian.shortcuts import assign_perm

from apps.accounts.models import User
from apps.controls.refusals import NotFound, PermissionRefused

from ..models import Supplier


def may_act_for(actor: User, supplier: Supplier) -> bool:
    """Buyers and admins act for every supplier; a supplier user only for its own (guardian)."""
    return actor.has_perm("accounts.manage_suppliers") or actor.has_perm(
        "suppliers.change_supplier", supplier
    )


def locked(supplier_id: Any) -> Supplier:
    return Supplier.objects.select_for_update().get(pk=supplier_id)


def locked_for(actor: User, supplier_id: Any) -> Supplier:
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
