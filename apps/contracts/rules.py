"""When a contract applies to a purchase: the conditions behind the policy's `on_contract`.

A requisition is on contract only when the contract it links is active on the need-by date,
binds the requisition's supplier and legal entity, covers its spend category and has the
value left for it. Each condition that fails is named, so a refusal says which one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.organization.money import amount_text

from .models import Contract

# the order conditions are checked in; the first that fails is the one named
CONDITIONS = ("status", "validity", "supplier", "legal_entity", "spend_category", "value")


@dataclass(frozen=True)
class NotApplicable:
    condition: str  # one of CONDITIONS
    detail: str


def contract_not_applicable(
    contract: Contract,
    *,
    supplier_id: Any,
    legal_entity_id: Any,
    spend_category_id: Any,
    on: date,
    amount: Decimal | None,
) -> NotApplicable | None:
    """The first condition that keeps `contract` from covering this purchase, or None. `amount`
    is in the contract's currency (None: the value is not checked). The contract's
    legal_entities and spend_categories are read as prefetched when they were."""
    number = contract.number
    if contract.status != Contract.Status.ACTIVE:
        return NotApplicable(
            "status",
            _("Contract %(n)s is %(s)s, not active.")
            % {"n": number, "s": contract.get_status_display().lower()},
        )
    if on < contract.starts_on:
        return NotApplicable(
            "validity",
            _("Contract %(n)s starts on %(d)s, after the need-by date %(on)s.")
            % {"n": number, "d": contract.starts_on, "on": on},
        )
    if on > contract.ends_on:
        return NotApplicable(
            "validity",
            _("Contract %(n)s ends on %(d)s, before the need-by date %(on)s.")
            % {"n": number, "d": contract.ends_on, "on": on},
        )
    if supplier_id is None or str(contract.supplier_id) != str(supplier_id):
        return NotApplicable(
            "supplier",
            _("Contract %(n)s is with another supplier.") % {"n": number}
            if supplier_id is not None
            else _("Name the supplier of contract %(n)s.") % {"n": number},
        )
    entities = {e.pk for e in contract.legal_entities.all()}
    if legal_entity_id not in entities:
        return NotApplicable(
            "legal_entity",
            _("Contract %(n)s does not bind this legal entity.") % {"n": number},
        )
    categories = {c.pk for c in contract.spend_categories.all()}
    if spend_category_id not in categories:
        return NotApplicable(
            "spend_category",
            _("Contract %(n)s does not cover this spend category.") % {"n": number},
        )
    if amount is not None and contract.remaining < amount:
        return NotApplicable(
            "value",
            _("Contract %(n)s has %(left)s %(cur)s left; this needs %(amount)s.")
            % {
                "n": number,
                "left": amount_text(contract.remaining, contract.currency),
                "cur": contract.currency,
                "amount": amount_text(amount, contract.currency),
            },
        )
    return None
