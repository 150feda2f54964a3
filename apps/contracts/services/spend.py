"""Spend against a contract, in its currency, under its row lock: a submitted requisition
commits its value, a withdrawn, rejected or cancelled one releases it, and an approved invoice
moves what it consumes from committed to invoiced. Concurrent submissions against one contract
are decided one after the other, so the cap is never over-committed where the policy blocks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.controls.refusals import ApplicationError
from apps.events.services import events_lock_first

from ..models import ZERO, Contract


class ContractNotApplicable(ApplicationError):
    status = 409
    code = "contract_not_applicable"

    def __init__(self, detail: str, *, condition: str):
        super().__init__(detail)
        self.condition = condition
        self.extra = {"condition": condition}  # the API adds it to the error body


def contract_locked(contract_id: Any) -> Contract:
    """The contract under its row lock (the event chain's lock first, as budgets do)."""
    events_lock_first()
    return (
        Contract.objects.select_for_update(of=("self",), no_key=True)
        .prefetch_related("legal_entities", "spend_categories")
        .get(pk=contract_id)
    )


def contract_commit(*, contract: Contract, amount: Decimal) -> Contract:
    """Hold `amount` (contract currency) against the contract. The caller holds its lock
    (contract_locked) and has decided, under that lock, that it may: the value condition of
    apps.contracts.rules, or the policy's contract_mode allowing it over."""
    contract.committed += amount
    contract.save(update_fields=["committed"])
    return contract


def contract_release(*, contract_id: Any, amount: Decimal) -> None:
    if not amount:
        return
    contract = contract_locked(contract_id)
    contract.committed = max(contract.committed - amount, ZERO)
    contract.save(update_fields=["committed"])


def contract_invoiced(*, spend: dict[Any, tuple[Decimal, Decimal]]) -> None:
    """Approved invoices, per contract: (released from committed, invoiced), both in the
    contract's currency. Contracts are locked in id order so two batches never deadlock."""
    if not spend:
        return
    events_lock_first()
    for contract in (
        Contract.objects.select_for_update(no_key=True).filter(pk__in=list(spend)).order_by("pk")
    ):
        released, invoiced = spend[contract.pk]
        contract.committed = max(contract.committed - released, ZERO)
        contract.invoiced += invoiced
        contract.save(update_fields=["committed", "invoiced"])
