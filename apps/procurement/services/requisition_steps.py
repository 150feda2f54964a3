"""The steps every requisition service shares: reading one under a row lock, checking header
and lines, moving its status, and recording its events (audit and outbox in one write)."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.contracts.models import CatalogItem, Contract
from apps.controls.entities import require_entity, within_entities
from apps.controls.refusals import ApplicationError
from apps.controls.transitions import move_status
from apps.controls.values import (
    PRICE_DIGITS,
    PRICE_PLACES,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    amount_problem,
    currency_problem,
)
from apps.events.services import event_record
from apps.organization.models import CostCenter, LegalEntity, SpendCategory
from apps.suppliers.models import Supplier
from apps.suppliers.selectors import supplier_not_selectable_because, supplier_to_buy_from

from ..models import CENT, Requisition, RequisitionLine

MAX_LINES = 200


class SupplierNotSelectable(ApplicationError):
    status = 409
    code = "supplier_not_selectable"


def refuse_unselectable_supplier(supplier: Supplier | None, document: dict[str, Any]) -> None:
    """The one rule of who may be bought from (Supplier.not_selectable_because), under the
    policy `document`: approved, no open sanctions hit, and compliant where the policy blocks
    orders to non-compliant suppliers. The supplier's row is held (FOR NO KEY UPDATE: orders
    and invoices naming it still insert) so a block committing meanwhile waits for this."""
    if supplier is None:
        return
    current = Supplier.objects.select_for_update(no_key=True).get(pk=supplier.pk)
    why = supplier_not_selectable_because(current, document)
    if why is not None:
        raise SupplierNotSelectable(
            _("%(s)s %(why)s: no requisition or order may name it.")
            % {"s": current.name, "why": why}
        )


def transition(requisition: Requisition, to: str) -> None:
    move_status(requisition, to, noun=_("requisition"))


def snapshot(requisition: Requisition) -> dict[str, Any]:
    return {
        "number": requisition.number,
        "status": requisition.status,
        "title": requisition.title,
        "total": requisition.total,
        "currency": requisition.currency,
        "cost_center": requisition.cost_center.code,
        "spend_category": requisition.spend_category.code,
        "legal_entity": requisition.legal_entity.code,
        "supplier": str(requisition.supplier_id) if requisition.supplier_id else None,
        "contract": requisition.contract.number if requisition.contract else None,
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "free_of_charge": line.free_of_charge,
            }
            for line in requisition.lines.all()
        ],
    }


def payload_of(requisition: Requisition) -> dict[str, Any]:
    """What every requisition event type carries (docs/events.md)."""
    return {
        "id": requisition.pk,
        "number": requisition.number,
        "title": requisition.title,
        "requester": requisition.requester.email,
        "total": requisition.total,
        "currency": requisition.currency,
        "cost_center": requisition.cost_center.code,
        "spend_category": requisition.spend_category.code,
        "legal_entity": requisition.legal_entity.code,
        "policy_version": requisition.policy_version,
    }


def announce(
    requisition: Requisition,
    *,
    actor: Any,
    verb: str,
    data: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    before: Any = None,
    after: Any = None,
    decided: bool = True,
) -> None:
    """A requisition event: in the audit trail and in the outbox (same transaction). A
    decision the policy took (`decided`) records the policy version."""
    event_record(
        actor=actor,
        action=f"requisition.{verb}",
        subject_type="requisition",
        subject_id=requisition.pk,
        policy_version=requisition.policy_version if decided else None,
        before=before,
        after=after,
        data=data,
        payload={**payload_of(requisition), **(payload or {})},
    )


def resolve_header(
    data: dict[str, Any], errors: dict[str, list[str]], actor: Any = None
) -> dict[str, Any]:
    """The header's codes and ids resolved; a legal entity, a cost center or a contract outside
    the actor's legal entities is unknown to it."""
    resolved: dict[str, Any] = {}
    for field, model, path in (
        ("cost_center", CostCenter, "legal_entity"),
        ("spend_category", SpendCategory, None),
        ("legal_entity", LegalEntity, ""),
    ):
        if field not in data:
            continue
        rows: QuerySet[Any] = model.objects.filter(code=data[field])
        if path is not None:
            rows = within_entities(rows, actor, field=path, shared=bool(path))
        found = rows.first()
        if found is None or getattr(found, "active", True) is False:
            errors[field] = [_("Unknown or inactive code: %s") % data[field]]
        else:
            resolved[field] = found
    if data.get("supplier"):
        supplier, why = supplier_to_buy_from(data["supplier"])
        if supplier is None:
            errors["supplier"] = [why]
        else:
            resolved["supplier"] = supplier
    elif "supplier" in data:
        resolved["supplier"] = None
    if data.get("contract"):
        try:
            contract = within_entities(
                Contract.objects.filter(pk=uuid.UUID(str(data["contract"]))),
                actor,
                field="legal_entities",
                many=True,
            ).first()
        except ValueError:
            contract = None
        if contract is None:
            errors["contract"] = [_("Unknown contract.")]
        else:
            resolved["contract"] = contract
            if not data.get("supplier"):  # the contract names who is bought from
                resolved["supplier"] = contract.supplier
    elif "contract" in data:
        resolved["contract"] = None
    if "contract_reference" in data and "contract_note" not in data:
        data = {**data, "contract_note": data["contract_reference"]}  # the field's old name
    for field in ("title", "justification", "contract_note", "need_by"):
        if field in data:
            resolved[field] = (
                data[field] if data[field] is not None else ("" if field != "need_by" else None)
            )
    if "currency" in data:
        currency = str(data["currency"] or "")
        if problem := currency_problem(currency):
            errors["currency"] = [problem]
        resolved["currency"] = currency
    return resolved


def clean_lines(lines: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if not isinstance(lines, list) or not lines:
        errors["lines"] = [_("Add at least one line.")]
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = [_("At most %d lines.") % MAX_LINES]
        return []
    clean = []
    for i, line in enumerate(lines):
        # a catalog line takes its description and price from the catalog (apply_catalog)
        from_catalog = isinstance(line, dict) and bool(line.get("catalog_item"))
        try:
            quantity = Decimal(str(line["quantity"]))
            price = line["unit_price"] if not from_catalog else line.get("unit_price") or "0"
            unit_price = Decimal(str(price))
            description = str(
                line["description"] if not from_catalog else line.get("description") or ""
            ).strip()
        except (KeyError, TypeError, InvalidOperation):
            errors[f"lines[{i}]"] = [_("Each line needs description, quantity and unit_price.")]
            continue
        if not description and not from_catalog:
            errors[f"lines[{i}].description"] = [_("Describe what is bought.")]
        free = line.get("free_of_charge") in (True, "true", "on", "1")
        if not quantity.is_finite() or quantity <= 0:
            errors[f"lines[{i}].quantity"] = [_("Quantity must be more than zero.")]
        elif problem := amount_problem(quantity, digits=QUANTITY_DIGITS, places=QUANTITY_PLACES):
            errors[f"lines[{i}].quantity"] = [problem]
        if not unit_price.is_finite() or unit_price < 0:
            errors[f"lines[{i}].unit_price"] = [_("Unit price cannot be negative.")]
        elif problem := amount_problem(unit_price, digits=PRICE_DIGITS, places=PRICE_PLACES):
            errors[f"lines[{i}].unit_price"] = [problem]
        elif not from_catalog and unit_price == 0 and not free:
            errors[f"lines[{i}].unit_price"] = [
                _("A price of 0 is taken only for a line marked free of charge (free_of_charge).")
            ]
        elif free and unit_price != 0:
            errors[f"lines[{i}].free_of_charge"] = [_("A line free of charge has a price of 0.")]
        clean.append(
            {
                "description": description[:300],
                "quantity": quantity,
                "unit_price": unit_price,
                "free_of_charge": free,
                "catalog_item": line.get("catalog_item") or None,
            }
        )
    return clean


def line_amount(line: dict[str, Any]) -> Decimal:
    return (line["quantity"] * line["unit_price"]).quantize(CENT, rounding=ROUND_HALF_UP)


def refuse_overflow(lines: list[dict[str, Any]], errors: dict[str, list[str]]) -> None:
    """Each line's amount and the total must fit the money columns (numeric(16, 2)): a
    99999999.999 x 99999999999.9999 line is refused, not a database error."""
    if any(k.startswith("lines") for k in errors):
        return
    for i, line in enumerate(lines):
        if problem := amount_problem(line["quantity"] * line["unit_price"]):
            errors[f"lines[{i}]"] = [_("The line's amount is too large: %s") % problem]
    if not errors and (problem := amount_problem(sum(map(line_amount, lines), Decimal(0)))):
        errors["lines"] = [_("The requisition's total is too large: %s") % problem]


def apply_catalog(
    header: dict[str, Any],
    lines: list[dict[str, Any]],
    errors: dict[str, list[str]],
    *,
    contract: Contract | None,
    today: Any,
) -> None:
    """Lines bought from the contracted catalog carry its description and contracted price,
    and the requisition carries the item's contract (and its supplier when none is named)."""
    ids = [line["catalog_item"] for line in lines if line.get("catalog_item")]
    if not ids:
        return
    try:
        items = {
            str(i.pk): i for i in CatalogItem.objects.select_related("contract").filter(pk__in=ids)
        }
    except (ValueError, TypeError, DjangoValidationError):
        items = {}
    contract = header.get("contract", contract)
    for i, line in enumerate(lines):
        if not line.get("catalog_item"):
            continue
        item = items.get(str(line["catalog_item"]))
        where = f"lines[{i}].catalog_item"
        if item is None:
            errors[where] = [_("Unknown catalog item.")]
            continue
        if item.valid_until is not None and item.valid_until < today:
            errors[where] = [
                _("%(d)s is offered until %(u)s only.")
                % {"d": item.description, "u": item.valid_until}
            ]
            continue
        if contract is None:
            contract = item.contract
            header["contract"] = contract
        elif item.contract_id != contract.pk:
            errors[where] = [
                _("%(d)s is on contract %(c)s; this requisition links %(r)s.")
                % {"d": item.description, "c": item.contract.number, "r": contract.number}
            ]
            continue
        line["catalog_item"] = item
        line["description"] = line["description"] or item.description
        line["unit_price"] = item.unit_price
    if contract is not None and "supplier" not in header:
        header["supplier"] = contract.supplier


def write_lines(requisition: Requisition, lines: list[dict[str, Any]]) -> None:
    requisition.lines.all().delete()
    RequisitionLine.objects.bulk_create(
        RequisitionLine(requisition=requisition, line_no=i + 1, **line)
        for i, line in enumerate(lines)
    )
    requisition.total = sum((line_amount(line) for line in lines), Decimal("0"))


def locked(requisition_id: Any, actor: Any = None) -> Requisition:
    """The requisition under its row lock; one outside the actor's legal entities is not
    found."""
    requisition = (
        Requisition.objects.select_for_update(of=("self",))
        .select_related(
            "cost_center__manager",
            "legal_entity",
            "spend_category",
            "supplier",
            "requester",
            "contract",
        )
        .filter(pk=requisition_id)
        .first()
    )
    if requisition is None:
        from apps.controls.refusals import NotFound

        raise NotFound()
    require_entity(actor, requisition.legal_entity.code)
    return requisition
