"""Approved invoices consume the contract value their order's requisition committed: what
was committed moves to invoiced, and an invoice above the commitment is invoiced in full."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.contracts.services.spend import contract_invoiced
from apps.events.services import events_lock_first
from apps.organization.fx import convert

from ..models import Requisition


def contract_spend_invoiced(*, invoices: list[tuple[Any, str, Decimal]]) -> None:
    """`invoices`: (purchase order id, currency, net amount) of each newly approved invoice.
    One read for the batch; the requisitions and contracts are updated under their locks (the
    event chain's first, as every writer of a contract does)."""
    by_order = [(order, currency, amount) for order, currency, amount in invoices if order]
    if not by_order:
        return
    # the orders as one array parameter: a matched batch approves thousands at once, and
    # most were not bought under a contract (nothing to lock then, not even the chain)
    orders = RawSQL("SELECT unnest(%s::uuid[])", [[str(o) for o, _c, _a in by_order]])
    under_contract = Requisition.objects.filter(purchase_order__in=orders, contract__isnull=False)
    if not under_contract.exists():
        return
    events_lock_first()
    requisitions = {
        r.purchase_order.pk: r
        for r in under_contract.select_for_update(of=("self",))
        .select_related("contract", "purchase_order")
        .order_by("pk")
    }
    if not requisitions:
        return
    today = timezone.localdate()
    spend: dict[Any, tuple[Decimal, Decimal]] = {}
    changed: list[Requisition] = []
    for order, currency, amount in by_order:
        requisition = requisitions.get(order)
        if requisition is None or requisition.contract is None:
            continue
        converted, _rate = convert(
            amount, base=currency, quote=requisition.contract.currency, on=today
        )
        consumed = min(requisition.contract_committed, max(converted, Decimal("0")))
        requisition.contract_committed -= consumed
        changed.append(requisition)
        released, invoiced = spend.get(requisition.contract_id, (Decimal("0"), Decimal("0")))
        spend[requisition.contract_id] = (released + consumed, invoiced + converted)
    Requisition.objects.bulk_update(changed, ["contract_committed"])
    contract_invoiced(spend=spend)


def requisition_notes_link(*, actor: Any = "system:contracts") -> int:
    """Link requisitions whose free-text contract note is a registered contract's number (the
    release that made contracts a register kept the old references as notes). Linking records
    the contract; decisions already taken are not re-decided, and nothing is committed."""
    from django.db import transaction

    from apps.contracts.models import Contract
    from apps.controls.guards import require
    from apps.events.services import event_record

    require(actor, "accounts.manage_contracts")
    numbers = {c.number.strip().lower(): c for c in Contract.objects.all()}
    linked = 0
    with transaction.atomic():
        candidates = (
            Requisition.objects.select_for_update()
            .filter(contract__isnull=True)
            .exclude(contract_note="")
        )
        for requisition in candidates:
            contract = numbers.get(requisition.contract_note.strip().lower())
            if contract is None:
                continue
            requisition.contract = contract
            requisition.save(update_fields=["contract"])
            event_record(
                actor=actor,
                action="requisition.contract_linked",
                subject_type="requisition",
                subject_id=requisition.pk,
                after={"contract": contract.number},
                data={"note": requisition.contract_note},
            )
            linked += 1
    return linked
