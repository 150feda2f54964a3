"""Reads of paying: payment runs and bank statements as an actor limited to legal entities
sees them, and the supplier accounts a release would pay."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from apps.controls.entities import entity_limit, within_entities
from apps.suppliers.models import BankAccount

from .models import BankStatement, PaymentRun, StatementEntry


def payment_runs(actor: Any) -> QuerySet[PaymentRun]:
    """Payment runs, of the actor's legal entities."""
    runs = PaymentRun.objects.select_related("legal_entity", "released_by", "proposed_by")
    return (
        within_entities(runs, actor)
        .annotate(invoices=Count("payments"))
        .order_by("-created_at", "-pk")
    )


def bank_statements(actor: Any) -> QuerySet[BankStatement]:
    """Bank statements read, newest first, with their entries. A statement's legal entity is
    that of the runs it confirmed: an actor limited to legal entities reads those that
    confirmed a payment of theirs and none of another's (one that confirmed nothing has no
    entity)."""
    found = BankStatement.objects.prefetch_related("entries").order_by("-created_at", "pk")
    limit = entity_limit(actor)
    if limit is None:
        return found
    entries = StatementEntry.objects.filter(statement=OuterRef("pk"), payment__isnull=False)
    inside = entries.filter(payment__run__legal_entity__code__in=limit)
    outside = entries.exclude(payment__run__legal_entity__code__in=limit)
    return found.filter(Exists(inside)).exclude(Exists(outside))


def payee_accounts(supplier_ids: list[Any]) -> dict[Any, BankAccount]:
    """Each supplier's active bank account: the one a release pays (the newest decided)."""
    accounts: dict[Any, BankAccount] = {}
    for account in BankAccount.objects.filter(
        supplier_id__in=supplier_ids, status=BankAccount.Status.ACTIVE
    ).order_by("supplier_id", "-decided_at"):
        accounts.setdefault(account.supplier_id, account)
    return accounts
