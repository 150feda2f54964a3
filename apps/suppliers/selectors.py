"""Reads on suppliers: who sees which supplier, what a supplier page shows, and which
supplier a document's seller is."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, Func, Min, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from apps.accounts.models import User
from apps.policies.selectors import NoPublishedPolicy

from .models import BankAccount, ScreeningHit, Supplier, SupplierCheck, SupplierDocument
from .rules import supplier_policy
from .secrets import fingerprint
from .validation import tax_id_forms


def suppliers_visible_to(user: User) -> QuerySet[Supplier]:
    """Internal users see every supplier; a supplier user only the one it was granted
    (django-guardian object permission)."""
    if user.has_perm("accounts.view_reference_data"):
        return Supplier.objects.all()
    if user.has_perm("accounts.use_supplier_portal"):
        return get_objects_for_user(
            user, "suppliers.view_supplier", klass=Supplier, accept_global_perms=False
        )
    return Supplier.objects.none()


def supplier_of(user: User) -> Supplier | None:
    """The supplier a portal user acts for."""
    if not user.has_perm("accounts.use_supplier_portal"):
        return None
    return (
        get_objects_for_user(
            user, "suppliers.view_supplier", klass=Supplier, accept_global_perms=False
        )
        .order_by("created_at")
        .first()
    )


def supplier_search(
    suppliers: QuerySet[Supplier],
    *,
    status: str | None = None,
    risk: str | None = None,
    compliance: str | None = None,
    q: str | None = None,
    bank: str | None = None,
    expiring: str | None = None,
) -> QuerySet[Supplier]:
    """`bank="pending"`: a bank change waits for verification; `expiring="30"`: a current
    document expires within that many days (or has expired)."""
    if status:
        suppliers = suppliers.filter(status=status)
    if risk:
        suppliers = suppliers.filter(risk_tier=risk)
    if compliance:
        suppliers = suppliers.filter(compliance=compliance)
    if q:
        suppliers = suppliers.filter(Q(name__icontains=q) | Q(tax_id__icontains=q))
    if bank == "pending":
        suppliers = suppliers.filter(
            Exists(
                BankAccount.objects.filter(
                    supplier=OuterRef("pk"), status=BankAccount.Status.PENDING_VERIFICATION
                )
            )
        )
    if expiring and expiring.isdigit():
        horizon = timezone.localdate() + timedelta(days=int(expiring))
        suppliers = suppliers.filter(
            Exists(
                SupplierDocument.objects.filter(
                    supplier=OuterRef("pk"),
                    status=SupplierDocument.Status.CURRENT,
                    expires_on__lte=horizon,
                )
            )
        )
    return suppliers.annotate(
        next_expiry=Min(
            "documents__expires_on",
            filter=Q(documents__status=SupplierDocument.Status.CURRENT),
        ),
        open_hits=Count("screening_hits", filter=Q(screening_hits__status="open"), distinct=True),
        pending_bank=Count(
            "bank_accounts",
            filter=Q(bank_accounts__status=BankAccount.Status.PENDING_VERIFICATION),
            distinct=True,
        ),
    ).order_by("-created_at")


def supplier_detail(supplier_id: Any, visible: QuerySet[Supplier]) -> Supplier | None:
    return (
        visible.filter(pk=supplier_id)
        .select_related("invited_by")
        .prefetch_related(
            "addresses",
            "contacts",
            Prefetch(
                "documents", queryset=SupplierDocument.objects.order_by("doc_type", "-version")
            ),
            Prefetch(
                "bank_accounts",
                queryset=BankAccount.objects.select_related(
                    "requested_by", "callback_by", "decided_by"
                ),
            ),
            Prefetch("screening_hits", queryset=ScreeningHit.objects.select_related("reviewed_by")),
        )
        .first()
    )


def latest_checks(supplier: Supplier) -> list[SupplierCheck]:
    """The newest run of each check."""
    seen: dict[str, SupplierCheck] = {}
    for check in supplier.checks.order_by("-ran_at", "-pk")[:50]:
        seen.setdefault(check.kind, check)
    return [seen[k] for k in SupplierCheck.Kind.values if k in seen]


def screening_queue(status: str = "open") -> QuerySet[ScreeningHit]:
    return (
        ScreeningHit.objects.filter(status=status)
        .select_related("supplier", "reviewed_by")
        .order_by("-score", "-created_at")
    )


def supplier_summaries(ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = Supplier.objects.filter(pk__in=ids)
    return {
        str(s.pk): {
            "kind": "supplier",
            "title": s.name,
            "country": s.country,
            "category": s.category,
            "status": s.status,
            "risk_tier": s.risk_tier,
            "detail": _("%(tier)s risk (score %(score)d), %(screening)s")
            % {
                "tier": s.get_risk_tier_display(),
                "score": s.risk_score,
                "screening": s.get_screening_display().lower(),
            },
            "url": f"/suppliers/{s.pk}/",
        }
        for s in rows
    }


def suppliers_of_seller(*, tax_id: str, names: list[str], ibans: list[str]) -> list[Supplier]:
    """The suppliers a document's seller may be (an invoice's, apps.invoices): by tax id (as
    stored, with or without the country prefix), else by name; of several, those the IBAN it
    asks to be paid to points at (as a keyed fingerprint), then those of its name. Empty when
    none fits."""
    forms = tax_id_forms(tax_id)
    candidates = _by_tax_id(forms) if forms else []
    if not candidates:
        for name in [n.strip() for n in names if n.strip()]:
            candidates = list(Supplier.objects.filter(name__iexact=name).order_by("pk"))
            if candidates:
                break
    if len(candidates) > 1:
        candidates = _narrowed(candidates, names, ibans)
    return candidates


def _by_tax_id(forms: set[str]) -> list[Supplier]:
    compact = Func(
        Upper("tax_id"), Value("[^A-Z0-9]"), Value(""), Value("g"), function="regexp_replace"
    )
    return list(
        Supplier.objects.annotate(compact_tax_id=compact)
        .filter(compact_tax_id__in=forms)
        .order_by("name", "pk")
    )


def _narrowed(candidates: list[Supplier], names: list[str], ibans: list[str]) -> list[Supplier]:
    prints = {fingerprint("iban", iban) for iban in ibans}
    if prints:
        by_account = set(
            BankAccount.objects.filter(supplier__in=candidates, fingerprint__in=prints).values_list(
                "supplier_id", flat=True
            )
        )
        if by_account:
            candidates = [c for c in candidates if c.pk in by_account]
    wanted = {n.strip().lower() for n in names if n.strip()}
    by_name = [c for c in candidates if c.name.strip().lower() in wanted]
    return by_name or candidates


def documents_required(document: dict[str, Any] | None = None) -> bool:
    """Whether the policy (`document`, else the published one) blocks orders to a supplier
    whose required documents are missing or expired (`suppliers.non_compliant_orders`). With
    no policy published nothing is ordered anyway: the strict reading."""
    if document is None:
        try:
            document = supplier_policy().document
        except NoPublishedPolicy:
            return True
    return bool(document["suppliers"]["non_compliant_orders"] == "block")


def suppliers_selectable(document: dict[str, Any] | None = None) -> QuerySet[Supplier]:
    """The suppliers a requisition may name and an order may go to (Supplier.selectable_q):
    the requisition form, sourcing and the catalog list only these."""
    return Supplier.objects.filter(
        Supplier.selectable_q(documents_required=documents_required(document))
    )


def supplier_not_selectable_because(
    supplier: Supplier, document: dict[str, Any] | None = None
) -> str | None:
    """Why `supplier` may not be bought from under the policy (`document`, else the published
    one), or None."""
    return supplier.not_selectable_because(documents_required=documents_required(document))


def supplier_to_buy_from(value: Any) -> tuple[Supplier | None, str]:
    """The supplier an id names for a requisition or a contract, or why not: unknown (or not
    an id), blocked or rejected."""
    try:
        supplier = Supplier.objects.filter(pk=uuid.UUID(str(value))).first()
    except ValueError:
        supplier = None
    if supplier is None:
        return None, _("Unknown supplier.")
    if supplier.status in (Supplier.Status.BLOCKED, Supplier.Status.REJECTED):
        return None, _("This supplier is %s.") % supplier.get_status_display().lower()
    return supplier, ""
