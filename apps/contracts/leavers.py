"""A leaver's contracts (draft, awaiting approval or active) pass to a tenant admin, who may
hand them on (registered with accounts in ContractsConfig.ready); each change is audited.
Expired and terminated contracts keep their owner: they are history."""

from __future__ import annotations

from apps.accounts.leavers import Leaver
from apps.events.services import event_record

from .models import Contract

ENDED = (Contract.Status.EXPIRED, Contract.Status.TERMINATED)


def contracts_hand_over(leaver: Leaver) -> dict[str, int]:
    contracts = list(
        Contract.objects.select_for_update(of=("self",))
        .filter(owner=leaver.user)
        .exclude(status__in=ENDED)
        .order_by("number")
    )
    heir = leaver.admin
    for contract in contracts:
        contract.owner = heir
        contract.save(update_fields=["owner"])
        event_record(
            actor=leaver.actor,
            action="contract.owner_changed",
            subject_type="contract",
            subject_id=contract.pk,
            before={"owner": leaver.user.email},
            after={"owner": heir.email if heir else None},
            data={"reason": leaver.reason[:300], "number": contract.number},
        )
    return {"contracts": len(contracts)}
