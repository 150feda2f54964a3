"""Which legal entity an event is about, for endpoints limited to some (a tenant running one
ERP per entity): a requisition's, an order's, an invoice's order's, a payment run's. Events
about the whole tenant (suppliers, policies) belong to none and reach every endpoint. One query
per kind of subject in a batch, and none where no endpoint is limited."""

from __future__ import annotations

from typing import Any

from apps.events.models import OutboxEvent
from apps.invoices.models import Invoice
from apps.payments.models import PaymentRun
from apps.procurement.models import PurchaseOrder, Requisition

_PATHS: dict[str, tuple[Any, str]] = {
    "requisition": (Requisition, "legal_entity__code"),
    "purchase_order": (PurchaseOrder, "legal_entity__code"),
    "invoice": (Invoice, "purchase_order__legal_entity__code"),
    "payment_run": (PaymentRun, "legal_entity__code"),
}


def entities_of(events: list[OutboxEvent]) -> dict[Any, str | None]:
    """Each event's legal entity code (None: the whole tenant's, or not known)."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.subject_type in _PATHS:
            wanted.setdefault(event.subject_type, set()).add(event.subject_id)
    codes: dict[tuple[str, str], str | None] = {}
    for kind, ids in wanted.items():
        model, path = _PATHS[kind]
        valid = [i for i in ids if _is_key(model, i)]
        for pk, code in model.objects.filter(pk__in=valid).values_list("pk", path):
            codes[(kind, str(pk))] = code
    return {e.pk: codes.get((e.subject_type, e.subject_id)) for e in events}


def _is_key(model: Any, value: str) -> bool:
    try:
        model._meta.pk.to_python(value)
    except Exception:
        return False
    return True
