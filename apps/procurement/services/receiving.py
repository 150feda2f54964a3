"""Goods receipts: what arrived against an order, and returns (negative receipts).

The order's status follows what has been received; a receipt sends the invoices waiting on
`not_received` for that order back to matching."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.entities import within_entities
from apps.controls.guards import require
from apps.controls.refusals import (
    ApplicationError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from apps.controls.registries import HookRegistry
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.policies.document import validate_document
from apps.policies.selectors import policy_published

from ..models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from .numbers import next_number

ZERO = Decimal("0")


class OverReceipt(ApplicationError):
    status = 409
    code = "over_receipt"


def _quantity(value: Any, where: str) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise ValidationFailed(
            errors={where: [_("A number, e.g. 5 or -2 for a return.")]}
        ) from None
    if not quantity.is_finite() or quantity == 0 or quantity.as_tuple().exponent < -3:  # type: ignore[operator]
        raise ValidationFailed(errors={where: [_("A non-zero number with at most 3 decimals.")]})
    return quantity


def _order_status(lines: list[PurchaseOrderLine]) -> str:
    if all(line.received_quantity >= line.quantity for line in lines):
        return PurchaseOrder.Status.RECEIVED
    if any(line.received_quantity > 0 for line in lines):
        return PurchaseOrder.Status.PARTIALLY_RECEIVED
    return PurchaseOrder.Status.ISSUED


@transaction.atomic
def goods_receipt_post(
    *, actor: User, order_id: Any, lines: list[dict[str, Any]], note: str = ""
) -> GoodsReceipt:
    """Post a receipt (positive quantities) or a return (negative ones) on an order."""
    require(actor, "accounts.post_goods_receipt")
    order = _order_receivable(actor, order_id)
    if not lines:
        raise ValidationFailed(errors={"lines": [_("Receive at least one line.")]})
    order_lines = {line.pk: line for line in order.lines.select_for_update()}
    version = policy_published()
    allowance = Decimal(
        str(validate_document(version.document)["invoices"]["over_receipt_percent"])
    )
    wanted = _quantities_wanted(order, order_lines, lines)
    _refuse_over_receipt(order_lines, wanted, allowance)
    is_return = all(q < 0 for q in wanted.values())
    receipt = GoodsReceipt.objects.create(
        number=next_number("goods_receipt", "GR-"),
        purchase_order=order,
        received_by=actor,
        is_return=is_return,
        note=(note or "")[:300],
        policy_version=version.label,
    )
    GoodsReceiptLine.objects.bulk_create(
        GoodsReceiptLine(receipt=receipt, po_line_id=pk, quantity=q) for pk, q in wanted.items()
    )
    was = order.status
    _order_received(order, order_lines, wanted)
    payload = {
        "number": receipt.number,
        "purchase_order": order.number,
        "return": is_return,
        "lines": [
            {"po_line": pk, "line_no": order_lines[pk].line_no, "quantity": q}
            for pk, q in wanted.items()
        ],
    }
    event_record(
        actor=actor,
        action="goods_receipt.posted",
        subject_type="purchase_order",
        subject_id=order.pk,
        policy_version=version.label,
        before={"status": was},
        after={**payload, "status": order.status},
        payload={"id": receipt.pk, **payload},
    )
    for hook in _receipt_hooks:
        transaction.on_commit(functools.partial(hook, str(order.pk)))
    return receipt


def _order_receivable(actor: User, order_id: Any) -> PurchaseOrder:
    """The order, locked, if goods can still arrive on it."""
    # an order outside the actor's legal entities is not found
    orders = within_entities(PurchaseOrder.objects.filter(pk=order_id), actor)
    order = orders.select_for_update(of=("self",)).first()
    if order is None:
        raise NotFound()
    if order.status in (PurchaseOrder.Status.CLOSED, PurchaseOrder.Status.CANCELLED):
        raise InvalidTransition(
            _("Order %(n)s is %(s)s; nothing can be received on it.")
            % {"n": order.number, "s": order.get_status_display().lower()}
        )
    return order


def _quantities_wanted(
    order: PurchaseOrder,
    order_lines: dict[int, PurchaseOrderLine],
    lines: list[dict[str, Any]],
) -> dict[int, Decimal]:
    """The quantity to receive per order line; each row names a line of this order once."""
    wanted: dict[int, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for i, row in enumerate(lines):
        po_line_id = row.get("po_line")
        line = order_lines.get(int(str(po_line_id))) if str(po_line_id).isdigit() else None
        if line is None:
            errors[f"lines[{i}].po_line"] = [_("Not a line of order %s.") % order.number]
            continue
        if line.pk in wanted:
            errors[f"lines[{i}].po_line"] = [_("This line appears twice.")]
            continue
        wanted[line.pk] = _quantity(row.get("quantity"), f"lines[{i}].quantity")
    if errors:
        raise ValidationFailed(errors=errors)
    return wanted


def _refuse_over_receipt(
    order_lines: dict[int, PurchaseOrderLine], wanted: dict[int, Decimal], allowance: Decimal
) -> None:
    """Refuse receiving past the policy's over-receipt allowance, or returning more than
    was received."""
    over: dict[str, list[str]] = {}
    for i, (line_id, quantity) in enumerate(wanted.items()):
        line = order_lines[line_id]
        after = line.received_quantity + quantity
        limit = line.quantity * (1 + allowance / 100)
        if after > limit:
            over[f"lines[{i}].quantity"] = [
                _(
                    "Line %(n)s: %(after)s would be received, more than the %(limit)s "
                    "the policy allows on %(ordered)s ordered."
                )
                % {
                    "n": line.line_no,
                    "after": after.normalize(),
                    "limit": limit.normalize(),
                    "ordered": line.quantity.normalize(),
                }
            ]
        if after < 0:
            over[f"lines[{i}].quantity"] = [
                _("Line %(n)s: only %(got)s received; cannot return more.")
                % {"n": line.line_no, "got": line.received_quantity.normalize()}
            ]
    if over:
        raise OverReceipt(" ".join(m for ms in over.values() for m in ms), errors=over)


def _order_received(
    order: PurchaseOrder, order_lines: dict[int, PurchaseOrderLine], wanted: dict[int, Decimal]
) -> None:
    """Add the receipt to the order's lines; the order's status follows what has arrived."""
    for pk, quantity in wanted.items():
        order_lines[pk].received_quantity += quantity
    PurchaseOrderLine.objects.bulk_update([order_lines[pk] for pk in wanted], ["received_quantity"])
    status = _order_status(list(order_lines.values()))
    if status != order.status:
        move_status(order, status, noun=_("purchase order"))
        order.save(update_fields=["status"])


_receipt_hooks = HookRegistry[Callable[[str], None]](
    "procurement.services.receiving.on_receipt_posted",
    "a goods receipt re-matches invoices waiting on it",
)


def on_receipt_posted(hook: Callable[[str], None]) -> None:
    """Later contexts act on an order's receipts once they commit, given the order's id
    (invoices re-match those waiting on goods): registered in their AppConfig.ready()."""
    if hook not in _receipt_hooks:
        _receipt_hooks.append(hook)
