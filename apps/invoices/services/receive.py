"""Invoice intake. Every channel ends in `invoice_receive`: the original file is kept with its
SHA-256, the invoice and its lines are stored in one transaction with the checks that need no
order, and matching is sent to the `matching` queue on commit (outcome.py applies it)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.entities import within_entities
from apps.controls.guards import is_system, require
from apps.controls.refusals import ValidationFailed
from apps.einvoices import ParsedInvoice
from apps.einvoices.entered import parse_entered
from apps.einvoices.values import detail, refusals
from apps.events.services import event_record
from apps.procurement.models import PurchaseOrder, PurchaseOrderLine
from apps.suppliers.models import Supplier
from apps.suppliers.services.access import may_act_for
from apps.tenancy.background import send_on_commit

from ..duplicates import number_key
from ..models import Invoice, InvoiceException, InvoiceLine
from ..rules import policy_section
from ..tolerances import Finding
from ..usage import invoice_intake_guard
from .announcements import exceptions_raised, invoice_payload
from .checks import UnknownSupplier, arrival_findings, find_supplier, other_seller
from .credit_notes import credit_note_settle
from .exceptions import exception_due, exceptions_for
from .references import credited_invoice, orders_quoted

MAX_LINES = 500


def _require_sender(actor: Any, supplier: Supplier | None) -> None:
    """AP receives any supplier's invoices; a supplier's portal user sends only its own (the
    portal passes its supplier)."""
    if (
        not is_system(actor)
        and supplier is not None
        and actor.has_perm("accounts.use_supplier_portal")
        and may_act_for(actor, supplier)
    ):
        return
    require(actor, "accounts.process_invoices")


def _store_original(data: bytes, extension: str) -> str:
    return default_storage.save(f"invoices/{uuid.uuid4().hex}.{extension}", ContentFile(data))


@transaction.atomic
def invoice_receive(
    *,
    actor: Any,
    parsed: ParsedInvoice,
    supplier: Supplier | None = None,
    purchase_order: PurchaseOrder | None = None,
    original: tuple[bytes, str, str, str] | None = None,
    po_lines: dict[int, PurchaseOrderLine] | None = None,
    same_file_check: bool = True,
    schedule: bool = True,
) -> Invoice:
    """Store one received invoice with its checks; matching follows on the `matching` queue
    (a file of several invoices schedules them as one batch: `schedule=False` here).
    `original` is (content, display name, content type, extension)."""
    _require_sender(actor, supplier)
    _refuse_unreadable(parsed)
    invoice_intake_guard(parsed.kind)
    candidates: list[Supplier] = []
    if supplier is None:
        supplier, candidates = find_supplier(parsed)
    version, document = policy_section()
    purchase_order, po_lines, missing_orders = orders_quoted(
        supplier, parsed, purchase_order, po_lines, actor
    )
    credited = credited_invoice(supplier, parsed, actor)
    kept = _kept_original(original)
    invoice = Invoice.objects.create(
        **_invoice_fields(parsed, purchase_order),
        supplier=supplier,
        credited_invoice=credited,
        file=kept.path,
        file_name=kept.file_name[:200],
        file_sha256=kept.sha256,
        file_content_type=kept.content_type[:100],
        policy_version=version.label,
        received_by=actor if isinstance(actor, User) else None,
    )
    _lines_store(invoice, parsed, po_lines)
    findings = arrival_findings(
        invoice,
        parsed,
        document,
        missing_orders=missing_orders,
        same_file_check=same_file_check,
        candidates=candidates,
    )
    if invoice.duplicate_of_id:
        invoice.save(update_fields=["duplicate_of"])
    raised = _exceptions_raise(invoice, findings, version.label, document)
    _received_record(actor, invoice, version.label, kept, findings, raised)
    if invoice.kind == Invoice.Kind.CREDIT_NOTE and credited is not None:
        credit_note_settle(invoice)
    if schedule:
        schedule_matching([invoice.pk])
    return invoice


def _refuse_unreadable(parsed: ParsedInvoice) -> None:
    """Values no invoice can carry, and more lines than one invoice may have."""
    if refused := refusals(parsed):
        raise ValidationFailed(detail(refused), errors=refused)
    if len(parsed.lines) > MAX_LINES:
        raise ValidationFailed(
            _("At most %s lines per invoice.") % MAX_LINES, errors={"lines": [_("Too many lines.")]}
        )


@dataclass(frozen=True)
class _Original:
    """The received file as kept: its storage path, display name, SHA-256 and content type
    (all empty for an invoice entered as data)."""

    path: str = ""
    file_name: str = ""
    sha256: str = ""
    content_type: str = ""


def _kept_original(original: tuple[bytes, str, str, str] | None) -> _Original:
    if original is None:
        return _Original()
    data, file_name, content_type, extension = original
    sha256 = hashlib.sha256(data).hexdigest()
    return _Original(_store_original(data, extension), file_name, sha256, content_type)


def _invoice_fields(parsed: ParsedInvoice, purchase_order: PurchaseOrder | None) -> dict[str, Any]:
    """The invoice's header as the file states it (its identifiers were held to their
    columns' lengths by `refusals`; the seller's name and the profile, which only describe, are
    cut to theirs)."""
    return {
        "kind": parsed.kind,
        "invoice_number": parsed.invoice_number,
        "number_key": number_key(parsed.invoice_number)[:60],  # a derived key; NFKC may lengthen
        "invoice_date": parsed.invoice_date,
        "due_date": parsed.due_date or parsed.invoice_date + timedelta(days=30),
        "currency": parsed.currency,
        "purchase_order": purchase_order,
        "po_reference": (parsed.po_reference or (purchase_order.number if purchase_order else ""))[
            :60
        ],
        "billing_reference": parsed.billing_reference,
        "seller_tax_id": parsed.seller_tax_id,
        "seller_name": (parsed.seller_names[0] if parsed.seller_names else "")[:200],
        "lines_total": parsed.lines_total,
        "allowance_total": parsed.allowance_total,
        "charge_total": parsed.charge_total,
        "tax_total": parsed.tax_total,
        "total": parsed.total,
        "prepaid": parsed.prepaid,
        "payable": parsed.payable,
        "tax_breakdown": parsed.tax_breakdown,
        "discount_percent": parsed.discount_percent,
        "discount_until": parsed.discount_until,
        "channel": parsed.channel,
        "profile": parsed.profile[:40],
        "header_only": parsed.header_only,
    }


def _lines_store(
    invoice: Invoice, parsed: ParsedInvoice, po_lines: dict[int, PurchaseOrderLine]
) -> None:
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=line.line_no,
            po_line=po_lines.get(line.line_no),
            order_line_reference=line.order_line_reference,
            description=line.description[:300],
            quantity=line.quantity,
            unit_price=line.unit_price,
            net_amount=line.net_amount,
            tax_rate=line.tax_rate,
            tax_category=line.tax_category[:4],
        )
        for line in parsed.lines
    )


def _exceptions_raise(
    invoice: Invoice, findings: list[Finding], policy: str, document: dict[str, Any]
) -> list[InvoiceException]:
    """An exception for each finding of the arrival checks, due by the policy's SLA."""
    return InvoiceException.objects.bulk_create(
        exceptions_for(
            invoice.pk,
            findings,
            policy=policy,
            due=exception_due(timezone.now(), document["invoices"]),
        )
    )


def _received_record(
    actor: Any,
    invoice: Invoice,
    policy_version: str,
    kept: _Original,
    findings: list[Finding],
    raised: list[InvoiceException],
) -> None:
    """The `invoice.received` event, announcing the exceptions its arrival checks raised."""
    summary = {
        "number": invoice.invoice_number,
        "supplier": invoice.supplier.name,
        "total": invoice.total,
        "currency": invoice.currency,
        "channel": invoice.channel,
        "purchase_order": invoice.po_reference,
        "profile": invoice.profile,
    }
    event_record(
        actor=actor,
        action="invoice.received",
        subject_type="invoice",
        subject_id=invoice.pk,
        policy_version=policy_version,
        after={
            **summary,
            "file_sha256": kept.sha256,
            "file_name": kept.file_name,
            "kind": invoice.kind,
        },
        data={"checks": [{"code": f.code, "detail": f.detail} for f in findings]},
        payload=invoice_payload(
            invoice, kind=invoice.kind, channel=invoice.channel, purchase_order=invoice.po_reference
        ),
        announce=exceptions_raised(raised, {invoice.pk: invoice.invoice_number}),
    )


def schedule_matching(invoice_ids: list[Any]) -> None:
    send_on_commit("apps.invoices.tasks.match_invoices", [str(i) for i in invoice_ids])


@transaction.atomic
def invoices_import(*, actor: Any, upload: Any, supplier: Supplier | None = None) -> list[Invoice]:
    """Import a file of one or more invoices: all of them, or none (one transaction)."""
    _require_sender(actor, supplier)
    from apps.einvoices.files import read_invoice_file

    parsed_invoices, original = read_invoice_file(upload)
    invoices = []
    several = len(parsed_invoices) > 1
    for parsed in parsed_invoices:
        if supplier is not None:
            _refuse_another_seller(parsed, supplier)
        invoices.append(
            invoice_receive(
                actor=actor,
                parsed=parsed,
                supplier=supplier,
                original=original,
                same_file_check=not several,
                schedule=False,
            )
        )
    schedule_matching([invoice.pk for invoice in invoices])  # one batch, set-based
    return invoices


def _refuse_another_seller(parsed: ParsedInvoice, supplier: Supplier) -> None:
    """A supplier files only invoices that name it as the seller. The refusal quotes the
    file, never our records: whether the seller is another supplier of this customer, or
    none, is not the sender's to learn (one answer for both)."""
    try:
        someone_else = other_seller(parsed, supplier) is not None
    except UnknownSupplier:  # a seller on no record: refused in the same words
        someone_else = True
    if someone_else:
        written = ", ".join(filter(None, [parsed.seller_tax_id, *parsed.seller_names]))
        raise UnknownSupplier(
            _("The invoice names %s as its seller, not you; upload only your own invoices.")
            % written
        )


def invoice_create(
    *, actor: Any, data: dict[str, Any], supplier: Supplier | None = None
) -> Invoice:
    """An invoice entered as data (API, or the supplier portal's form beside its PDF)."""
    _require_sender(actor, supplier)
    if supplier is None:
        supplier = _supplier_named(data)
    order = _order_named(data, supplier, actor)
    known = _order_lines_named(data, supplier, actor)
    parsed = parse_entered(data)
    po_lines = {
        i: known[line["po_line"]]
        for i, line in enumerate(data["lines"], start=1)
        if line.get("po_line")
    }
    if order is None and po_lines:
        order = next(iter(po_lines.values())).purchase_order
    return invoice_receive(
        actor=actor,
        parsed=parsed,
        supplier=supplier,
        purchase_order=order,
        po_lines=po_lines,
        original=data.get("original"),
    )


def _supplier_named(data: dict[str, Any]) -> Supplier:
    supplier = (
        Supplier.objects.filter(pk=data["supplier"]).first() if data.get("supplier") else None
    )
    if supplier is None:
        raise ValidationFailed(errors={"supplier": [_("Give the id of a known supplier.")]})
    return supplier


def _order_named(data: dict[str, Any], supplier: Supplier, actor: Any) -> PurchaseOrder | None:
    if not data.get("purchase_order"):
        return None
    orders = PurchaseOrder.objects.filter(pk=data["purchase_order"], supplier=supplier)
    order = within_entities(orders, actor).first()  # another entity's: not found
    if order is None:
        raise ValidationFailed(
            errors={"purchase_order": [_("Not a purchase order of this supplier.")]}
        )
    return order


def _order_lines_named(
    data: dict[str, Any], supplier: Supplier, actor: Any
) -> dict[Any, PurchaseOrderLine]:
    """The order lines the invoice's lines name, each one of the supplier's orders."""
    wanted = {line["po_line"] for line in data["lines"] if line.get("po_line")}
    known = {
        line.pk: line
        for line in within_entities(
            PurchaseOrderLine.objects.filter(pk__in=wanted, purchase_order__supplier=supplier),
            actor,
            field="purchase_order__legal_entity",
        )
    }
    errors = {
        f"lines[{i}].po_line": [_("Not a line of this supplier's orders.")]
        for i, line in enumerate(data["lines"])
        if line.get("po_line") and line["po_line"] not in known
    }
    if errors:
        raise ValidationFailed(errors=errors)
    return known
