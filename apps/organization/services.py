"""Writes on reference data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.controls.guards import require
from apps.controls.refusals import ApplicationError, NotFound, ValidationFailed
from apps.events.services import event_record, events_lock_first

from .models import Budget, CostCenter, FxRate, LegalEntity, SpendCategory
from .money import amount_text
from .selectors import budget_covering


def _create_missing(
    model: type[Any], *, actor: Any, subject_type: str, defaults: dict[str, Any], after: Any
) -> None:
    """Create the row with this code unless it exists, and audit the creation."""
    row, created = model.objects.get_or_create(code=defaults["code"], defaults=defaults)
    if created:
        event_record(
            actor=actor,
            action=f"{subject_type}.created",
            subject_type=subject_type,
            subject_id=row.code,
            after=after,
        )


@transaction.atomic
def reference_data_ensure(
    *,
    actor: Any,
    legal_entities: list[dict[str, str]],
    cost_centers: list[dict[str, Any]],
    spend_categories: list[dict[str, str]],
    budgets: list[dict[str, Any]],
    fx_rates: list[dict[str, Any]] | None = None,
) -> None:
    """Create what is missing, by code; existing rows are left as they are (idempotent)."""
    require(actor, "accounts.manage_reference_data")
    for row in legal_entities:
        _create_missing(
            LegalEntity, actor=actor, subject_type="legal_entity", defaults=row, after=row
        )
    for row in cost_centers:
        _create_missing(
            CostCenter,
            actor=actor,
            subject_type="cost_center",
            defaults={**row, "legal_entity": LegalEntity.objects.get(code=row["legal_entity"])},
            after={**row, "manager": getattr(row.get("manager"), "email", None)},
        )
    for row in spend_categories:
        _create_missing(
            SpendCategory, actor=actor, subject_type="spend_category", defaults=row, after=row
        )
    for row in fx_rates or []:
        FxRate.objects.get_or_create(
            base=row["base"],
            quote=row["quote"],
            valid_on=row["valid_on"],
            defaults={"rate": row["rate"]},
        )
    for row in budgets:
        center = CostCenter.objects.get(code=row["cost_center"])
        budget, created = Budget.objects.get_or_create(
            cost_center=center,
            period_start=row["period_start"],
            defaults={
                "period_end": row["period_end"],
                "currency": row["currency"],
                "amount": row["amount"],
            },
        )
        if created:
            event_record(
                actor=actor,
                action="budget.created",
                subject_type="budget",
                subject_id=budget.pk,
                after={**row, "amount": str(row["amount"])},
            )


# --------------------------------------------------------------------------- budgets
class BudgetExceeded(ApplicationError):
    status = 409
    code = "budget_exceeded"


def budget_for(*, cost_center: CostCenter, on: date, lock: bool = False) -> Budget | None:
    budgets = budget_covering(cost_center=cost_center, on=on)
    if lock:
        events_lock_first()
        budgets = budgets.select_for_update()
    return budgets.first()


def budget_commit(*, budget: Budget, amount: Decimal, allow_over: bool) -> Budget:
    """Hold `amount` (budget currency) against the budget. The row is locked first, so two
    concurrent commitments are checked one after the other and never over-commit."""
    events_lock_first()
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if not allow_over and budget.remaining < amount:
        raise BudgetExceeded(
            _("%(cc)s has %(left)s %(cur)s left; this needs %(amount)s.")
            % {
                "cc": budget.cost_center.code,
                "left": amount_text(budget.remaining, budget.currency),
                "cur": budget.currency,
                "amount": amount_text(amount, budget.currency),
            }
        )
    budget.committed += amount
    budget.save(update_fields=["committed"])
    return budget


def budget_release(*, budget: Budget, amount: Decimal) -> Budget:
    events_lock_first()
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    budget.committed -= amount
    budget.save(update_fields=["committed"])
    return budget


def budget_actualize(*, budget: Budget, amount: Decimal) -> Budget:
    """A committed amount became real spend (the purchase order was issued)."""
    events_lock_first()
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    budget.committed -= amount
    budget.actual += amount
    budget.save(update_fields=["committed", "actual"])
    return budget


# --------------------------------------------------------------------------- the portal's edits
# kind → (model, the fields a person sets). Rows are never deleted: requisitions, orders and
# budgets point at them; cost centers and categories are deactivated instead.
REFERENCE_KINDS: dict[str, tuple[type[Any], list[str]]] = {
    "legal_entity": (LegalEntity, ["code", "name", "country", "currency"]),
    "cost_center": (CostCenter, ["code", "name", "manager", "legal_entity", "active"]),
    "spend_category": (SpendCategory, ["code", "name", "active"]),
    "budget": (Budget, ["cost_center", "period_start", "period_end", "currency", "amount"]),
    "fx_rate": (FxRate, ["base", "quote", "valid_on", "rate"]),
}


def _plain(value: Any) -> Any:
    if hasattr(value, "code"):
        return value.code
    if hasattr(value, "email"):
        return value.email
    if isinstance(value, date | Decimal):
        return str(value)
    return value


@transaction.atomic
def reference_record_save(*, actor: Any, kind: str, data: dict[str, Any], pk: Any = None) -> Any:
    """Create (no `pk`) or change one row of reference data, validated, audited with its
    before and after. A budget never goes below what it already holds (committed + actual),
    and keeps its cost center and currency once it holds anything."""
    require(actor, "accounts.manage_reference_data")
    model, fields = REFERENCE_KINDS[kind]
    if pk is None:
        row, before = model(), None
    else:
        events_lock_first()
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            raise NotFound()
        before = {f: _plain(getattr(row, f)) for f in fields}
    for name in fields:
        if name in data:
            setattr(row, name, data[name])
    if isinstance(row, Budget) and before is not None:
        held = row.committed + row.actual
        if row.amount < held:
            raise ValidationFailed(
                errors={"amount": [_("The budget already holds %s; it cannot be less.") % held]}
            )
        moved = [f for f in ("cost_center", "currency") if _plain(getattr(row, f)) != before[f]]
        if held and moved:
            raise ValidationFailed(
                errors={
                    f: [_("The budget already holds commitments; this cannot change.")]
                    for f in moved
                }
            )
    try:
        row.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(
            errors={
                field: [str(m) for m in messages] for field, messages in exc.message_dict.items()
            }
        ) from exc
    row.save()
    after = {f: _plain(getattr(row, f)) for f in fields}
    event_record(
        actor=actor,
        action=f"{kind}.{'created' if before is None else 'updated'}",
        subject_type=kind,
        subject_id=getattr(row, "code", row.pk) if kind != "budget" else row.pk,
        before=before,
        after=after,
    )
    return row
