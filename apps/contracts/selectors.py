"""Reads on contracts: the register, the catalog as you type, which active contract covers a
purchase, and spend against contracts (the figures are handed in by procurement, which owns
requisitions and orders, through `register_spend_figures`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.controls.entities import within_entities
from apps.controls.registries import HookRegistry
from apps.suppliers.selectors import suppliers_selectable

from .models import CatalogItem, Contract

SEES = ("accounts.manage_contracts", "accounts.view_audit", "accounts.manage_purchase_orders")
SUGGESTIONS = 10

_spend_figures = HookRegistry[Callable[..., dict[str, Any]]](
    "contracts.selectors.register_spend_figures",
    "spend on and off contract on the contracts page and its API",
)


def register_spend_figures(reader: Callable[..., dict[str, Any]]) -> None:
    _spend_figures.append(reader)


def spend_figures(*, since: date, until: date, actor: Any = None) -> dict[str, Any]:
    """Spend on and off contract of the actor's legal entities (procurement's reader), {} when
    nothing registered."""
    out: dict[str, Any] = {}
    for reader in _spend_figures:
        out.update(reader(since=since, until=until, actor=actor))
    return out


def may_see_contracts(user: User) -> bool:
    return any(user.has_perm(p) for p in SEES)


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    """The register; an actor limited to legal entities reads the contracts binding one of
    them (a contract shared with another entity too: it changes only its own)."""
    if not may_see_contracts(user):
        return Contract.objects.none()
    return within_entities(
        Contract.objects.select_related("supplier", "owner")
        .prefetch_related("legal_entities", "spend_categories")
        .order_by("-created_at", "pk"),
        user,
        field="legal_entities",
        many=True,
    )


def contract_search(
    queryset: QuerySet[Contract], *, status: str | None, q: str | None, supplier: str | None
) -> QuerySet[Contract]:
    if status:
        queryset = queryset.filter(status=status)
    if supplier:
        queryset = queryset.filter(supplier_id=supplier)
    if q:
        queryset = queryset.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(supplier__name__icontains=q)
        )
    return queryset


def contract_available(
    *, supplier_id: Any, legal_entity_id: Any, spend_category_id: Any, on: date
) -> Contract | None:
    """An active contract with this supplier that binds the entity and covers the category on
    that day: buying from the supplier without it is buying off contract (maverick)."""
    return (
        Contract.objects.filter(
            supplier_id=supplier_id,
            status=Contract.Status.ACTIVE,
            starts_on__lte=on,
            ends_on__gte=on,
            legal_entities=legal_entity_id,
            spend_categories=spend_category_id,
        )
        .order_by("ends_on", "number")
        .first()
    )


def catalog_items(
    *, q: str | None, on: date, contract: Any = None, actor: Any = None
) -> QuerySet[CatalogItem]:
    """Items of active contracts still offered on `on`, matching every word of `q`: the
    guided-buying catalog, so only items of suppliers that may be bought from
    (`suppliers_selectable`); for an actor limited to legal entities, of contracts binding
    one of them."""
    items = (
        CatalogItem.objects.select_related("contract__supplier", "spend_category")
        .filter(
            contract__status=Contract.Status.ACTIVE,
            contract__starts_on__lte=on,
            contract__ends_on__gte=on,
            contract__supplier__in=suppliers_selectable(),
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    )
    if contract:
        items = items.filter(contract_id=contract)
    items = within_entities(items, actor, field="contract__legal_entities", many=True)
    for word in (q or "").split()[:5]:
        items = items.filter(
            Q(description__icontains=word)
            | Q(sku__icontains=word)
            | Q(contract__supplier__name__icontains=word)
        )
    return items.order_by("description", "pk")


def portal_contracts_section(user: User, supplier: Any) -> dict[str, Any]:
    """The supplier portal home's contracts: the supplier's own active and pending ones, with
    how many catalog items each lists (registered in ContractsConfig.ready). One query."""
    from django.db.models import Count

    contracts = (
        Contract.objects.filter(
            supplier=supplier,
            status__in=[Contract.Status.ACTIVE, Contract.Status.PENDING_APPROVAL],
        )
        .annotate(item_count=Count("items"))
        .order_by("ends_on", "number")
    )
    return {"supplier_contracts": list(contracts[:20])}


def contracts_ending(*, within_days: int, on: date) -> QuerySet[Contract]:
    """Active contracts ending within the days given (the register's "ending soon")."""
    return (
        Contract.objects.filter(
            status=Contract.Status.ACTIVE, ends_on__lte=on + timedelta(days=within_days)
        )
        .select_related("supplier")
        .order_by("ends_on")
    )
