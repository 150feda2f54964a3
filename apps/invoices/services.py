"""Invoice intake and validation.

Every channel ends in `invoice_receive`: the original file is kept with its SHA-256, the
invoice and its lines are stored in one transaction with the checks that need no order
(supplier, tax id, bank change, sanctions, duplicates, arithmetic), and matching is sent to
the `matching` queue on commit (outcome.py applies it).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Avg, Func, Q, Value
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.refusals import ApplicationError, ValidationFailed
from apps.controls.transitions import move_status
from apps.events.services import event_record
from apps.policies.document import validate_document
from apps.policies.models import PolicyVersion
from apps.policies.selectors import policy_published
from apps.procurement.models import PurchaseOrder, PurchaseOrderLine
from apps.suppliers.models import BankAccount, ScreeningHit, Supplier
from apps.suppliers.validation import check_tax_id
from apps.tenancy.background import send_on_commit
from apps.workflow.sla import add_business_hours

from .catalog import CODES
from .duplicates import find_duplicate, number_key
from .intake import ParsedInvoice
from .matching import Finding
from .models import Invoice, InvoiceException, InvoiceLine

ZERO = Decimal("0")
CENT = Decimal("0.01")
MAX_LINES = 500


class UnknownSupplier(ApplicationError):
    status = 400
    code = "unknown_supplier"


def policy_section(version: PolicyVersion | None = None) -> tuple[PolicyVersion, dict[str, Any]]:
    version = version or policy_published()
    return version, validate_document(version.document)


def _transition(invoice: Invoice, to: str) -> None:
    move_status(invoice, to, noun=_("invoice"))


# --------------------------------------------------------------------------- intake
def tax_id_forms(value: str) -> set[str]:
    """A tax id without separators, with and without its country prefix: DE 136-695-976,
    DE136695976 and 136695976 share a form."""
    compact = re.sub(r"[^A-Z0-9]", "", (value or "").upper())
    return {compact, compact[2:] if compact[:2].isalpha() else compact} - {""}


def find_supplier(parsed: ParsedInvoice) -> Supplier:
    """By tax id (as stored, with or without the country prefix), else by name."""
    forms = tax_id_forms(parsed.seller_tax_id)
    if forms:
        compact = Func(
            Upper("tax_id"), Value("[^A-Z0-9]"), Value(""), Value("g"), function="regexp_replace"
        )
        found = (
            Supplier.objects.annotate(compact_tax_id=compact)
            .filter(compact_tax_id__in=forms)
            .first()
        )
        if found is not None:
            return found
    for name in parsed.seller_names:
        by_name = Supplier.objects.filter(name__iexact=name.strip()).first()
        if by_name is not None:
            return by_name
    who = ", ".join(filter(None, [parsed.seller_tax_id, *parsed.seller_names])) or _("(none given)")
    raise UnknownSupplier(
        _(
            "No supplier matches the seller on the invoice (%s). "
            "Invite or correct the supplier first."
        )
        % who,
        errors={"supplier": [_("Unknown seller: %s.") % who]},
    )


def _store_original(data: bytes, extension: str) -> str:
    return default_storage.save(f"invoices/{uuid.uuid4().hex}.{extension}", ContentFile(data))


def _arithmetic(parsed: ParsedInvoice) -> list[str]:
    """Lines, allowances, charges, tax and totals must add up (to the cent, per rounding)."""
    problems = []
    lines_sum = sum((line.net_amount for line in parsed.lines), ZERO)
    if abs(lines_sum - parsed.lines_total) > CENT:
        problems.append(
            _("The lines add up to %(sum)s, the invoice says %(total)s.")
            % {"sum": lines_sum, "total": parsed.lines_total}
        )
    for line in parsed.lines:
        expected = (line.quantity * line.unit_price + line.adjustments).quantize(CENT)
        if abs(expected - line.net_amount) > CENT * max(Decimal("1"), abs(line.quantity)):
            problems.append(
                _("Line %(n)s: %(q)s x %(p)s is not %(net)s.")
                % {
                    "n": line.line_no,
                    "q": line.quantity,
                    "p": line.unit_price,
                    "net": line.net_amount,
                }
            )
    breakdown_tax = ZERO
    for row in parsed.tax_breakdown:
        taxable, rate, tax = Decimal(row["taxable"]), Decimal(row["rate"]), Decimal(row["tax"])
        breakdown_tax += tax
        if abs((taxable * rate / 100).quantize(CENT) - tax) > CENT:
            problems.append(
                _("Tax at %(rate)s%% on %(taxable)s is not %(tax)s.")
                % {"rate": rate, "taxable": taxable, "tax": tax}
            )
    if parsed.tax_breakdown and abs(breakdown_tax - parsed.tax_total) > CENT:
        problems.append(
            _("The tax subtotals add up to %(sum)s, the tax total is %(total)s.")
            % {"sum": breakdown_tax, "total": parsed.tax_total}
        )
    expected_total = (
        parsed.lines_total - parsed.allowance_total + parsed.charge_total + parsed.tax_total
    )
    if abs(expected_total - parsed.total) > CENT:
        problems.append(
            _("Net %(net)s plus tax %(tax)s is %(sum)s, the invoice total is %(total)s.")
            % {
                "net": parsed.lines_total - parsed.allowance_total + parsed.charge_total,
                "tax": parsed.tax_total,
                "sum": expected_total,
                "total": parsed.total,
            }
        )
    return problems


def _validate(
    invoice: Invoice,
    parsed: ParsedInvoice,
    document: dict[str, Any],
    *,
    missing_orders: list[str],
    same_file_check: bool = True,
) -> list[Finding]:
    """The checks that do not need the order's lines."""
    supplier = invoice.supplier
    section = document["invoices"]
    findings: list[Finding] = []

    def add(code: str, detail: str, **data: Any) -> None:
        findings.append(Finding(code, None, detail[:500], ZERO, data))

    if supplier.status != Supplier.Status.APPROVED:
        add(
            "supplier_not_approved",
            _("%(s)s is %(status)s, not approved.")
            % {"s": supplier.name, "status": supplier.get_status_display()},
        )
    if invoice.kind == Invoice.Kind.INVOICE:
        if missing_orders:
            add(
                "po_not_found",
                _("No purchase order %s of this supplier.") % ", ".join(missing_orders),
                reference=missing_orders[0],
                references=missing_orders,
            )
        elif (
            invoice.purchase_order_id is None
            and not invoice.lines.filter(po_line__isnull=False).exists()
        ):
            add("no_po", _("The invoice quotes no purchase order."))
    order = invoice.purchase_order
    if order is not None and order.currency != invoice.currency:
        add(
            "currency_mismatch",
            _("Invoiced in %(inv)s, ordered in %(po)s.")
            % {"inv": invoice.currency, "po": order.currency},
        )
    problems = _arithmetic(parsed)
    if problems:
        add("tax_mismatch", " ".join(problems), problems=problems)
    stated = parsed.seller_tax_id.strip()
    if stated:
        result = check_tax_id(supplier.country, stated)
        if result.valid is False:
            add(
                "invalid_tax_id",
                _("The tax id on the invoice, %(id)s, is not valid: %(why)s")
                % {"id": stated, "why": result.message},
            )
        elif supplier.tax_id and not tax_id_forms(result.value) & tax_id_forms(supplier.tax_id):
            add(
                "invalid_tax_id",
                _("The invoice names tax id %(id)s; the supplier's record has %(ours)s.")
                % {"id": stated, "ours": supplier.tax_id},
            )
    elif supplier.tax_id_valid is False:
        add("invalid_tax_id", _("The supplier's tax id %s failed validation.") % supplier.tax_id)
    recent = document["suppliers"]["bank_change_recent_days"]
    since = timezone.now() - timedelta(days=recent)
    # a change, not the first account a new supplier gave: any account after the first
    first = (
        BankAccount.objects.filter(supplier=supplier)
        .order_by("requested_at")
        .values_list("pk", flat=True)
        .first()
    )
    changed = (
        BankAccount.objects.filter(supplier=supplier)
        .exclude(pk__in=[first] if first else [])
        .filter(Q(requested_at__gte=since) | Q(decided_at__gte=since))
    )
    if recent and changed.exists():
        add(
            "bank_details_changed",
            _("Bank details of %(s)s changed in the last %(d)s days; confirm before paying.")
            % {"s": supplier.name, "d": recent},
        )
    hits = ScreeningHit.objects.filter(supplier=supplier).exclude(
        status=ScreeningHit.Status.FALSE_POSITIVE
    )
    if hits.exists() or supplier.status == Supplier.Status.BLOCKED:
        add(
            "sanctions_hit",
            _("%s has a sanctions screening hit that is open or confirmed.") % supplier.name,
        )
    history = Invoice.objects.filter(
        supplier=supplier,
        kind=Invoice.Kind.INVOICE,
        status__in=[Invoice.Status.APPROVED, Invoice.Status.PAID],
    ).exclude(pk=invoice.pk)
    stats = history.aggregate(average=Avg("total"))
    factor = Decimal(str(section["amount_anomaly_factor"]))
    if (
        factor
        and stats["average"]
        and history[:3].count() >= 3
        and invoice.total > stats["average"] * factor
    ):
        add(
            "amount_anomaly",
            _("%(total)s is more than %(f)sx this supplier's average of %(avg)s.")
            % {"total": invoice.total, "f": factor, "avg": stats["average"].quantize(CENT)},
        )
    duplicates = section["duplicates"]
    suspicion = find_duplicate(
        supplier_id=supplier.pk,
        number=invoice.invoice_number,
        invoice_date=invoice.invoice_date,
        total=invoice.total,
        sha256=invoice.file_sha256 if same_file_check else "",
        kind=invoice.kind,
        exclude_id=invoice.pk,
        similarity=duplicates["number_similarity"],
        window_days=duplicates["date_window_days"],
    )
    if suspicion is not None:
        invoice.duplicate_of_id = suspicion.original_id
        original = (
            Invoice.objects.filter(pk=suspicion.original_id)
            .values_list("invoice_number", flat=True)
            .first()
        )
        add(
            "duplicate_suspected",
            _("Looks like invoice %(n)s already received (%(why)s).")
            % {"n": original, "why": ", ".join(suspicion.signals)},
            original=str(suspicion.original_id),
            reason=suspicion.reason,
            signals=list(suspicion.signals),
        )
    return findings


def exception_due(now: Any, section: dict[str, Any]) -> Any:
    """When an exception raised now is due: the policy's SLA in business hours."""
    return add_business_hours(now, float(section["exception_sla_hours"]))


def exceptions_for(
    invoice_id: Any, findings: list[Finding], *, policy: str, due: Any
) -> list[InvoiceException]:
    return [
        InvoiceException(
            invoice_id=invoice_id,
            line_id=f.line_id,
            code=f.code,
            category=CODES[f.code][0],
            queue=CODES[f.code][1],
            detail=f.detail[:500],
            data=f.data,
            variance_amount=f.amount,
            policy_version=policy,
            due_at=due,
        )
        for f in findings
    ]


def exceptions_insert(exceptions: list[InvoiceException], now: Any) -> None:
    """Insert a batch's exceptions by one COPY. `bulk_create` would compose one statement with
    a placeholder per value, which costs more than PostgreSQL spends storing the rows."""
    if not exceptions:
        return
    fields = InvoiceException._meta.concrete_fields
    columns = ", ".join(str(f.column) for f in fields)
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its per-call proxy
    with (
        db.cursor() as cursor,
        cursor.cursor.copy(f"COPY invoices_invoiceexception ({columns}) FROM STDIN") as copy,
    ):
        for exception in exceptions:
            exception.created_at = now
            copy.write_row([f.get_db_prep_save(getattr(exception, f.attname), db) for f in fields])


def _order_for(supplier: Supplier, reference: str) -> PurchaseOrder | None:
    return PurchaseOrder.objects.filter(number__iexact=reference.strip(), supplier=supplier).first()


def _lines_of_other_orders(
    supplier: Supplier, parsed: ParsedInvoice, header: PurchaseOrder | None
) -> tuple[dict[int, PurchaseOrderLine], list[str]]:
    """Lines that name an order other than the invoice's (a CSV row per order): the order
    line each is for, and the order numbers not found for this supplier."""
    own = header.number.upper() if header else ""
    wanted = {
        line.order_reference.strip().upper()
        for line in parsed.lines
        if line.order_reference.strip() and line.order_reference.strip().upper() != own
    }
    if not wanted:
        return {}, []
    orders: dict[str, list[PurchaseOrderLine]] = {}
    for order_line in PurchaseOrderLine.objects.filter(
        purchase_order__supplier=supplier, purchase_order__number__in=wanted
    ).select_related("purchase_order"):
        orders.setdefault(order_line.purchase_order.number.upper(), []).append(order_line)
    found: dict[int, PurchaseOrderLine] = {}
    for line in parsed.lines:
        candidates = orders.get(line.order_reference.strip().upper(), [])
        reference = line.order_line_reference.strip()
        if reference.isdigit():
            pick = next((o for o in candidates if o.line_no == int(reference)), None)
        else:
            pick = candidates[0] if len(candidates) == 1 else None
        if pick is not None:
            found[line.line_no] = pick
    return found, sorted(wanted - set(orders))


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
) -> Invoice:
    """Store one received invoice with its checks; matching follows on the `matching` queue.
    `original` is (content, display name, content type, extension)."""
    if len(parsed.lines) > MAX_LINES:
        raise ValidationFailed(
            _("At most %s lines per invoice.") % MAX_LINES, errors={"lines": [_("Too many lines.")]}
        )
    supplier = supplier or find_supplier(parsed)
    version, document = policy_section()
    missing_orders: list[str] = []
    if purchase_order is None and parsed.po_reference:
        purchase_order = _order_for(supplier, parsed.po_reference)
        if purchase_order is None:
            missing_orders.append(parsed.po_reference.strip())
    if po_lines is None:
        po_lines, missing = _lines_of_other_orders(supplier, parsed, purchase_order)
        missing_orders += [m for m in missing if m.upper() not in map(str.upper, missing_orders)]
    credited = None
    if parsed.kind == Invoice.Kind.CREDIT_NOTE and parsed.billing_reference:
        credited = (
            Invoice.objects.filter(
                supplier=supplier,
                number_key=number_key(parsed.billing_reference),
                kind=Invoice.Kind.INVOICE,
            )
            .order_by("-created_at")
            .first()
        )
    file_name = sha256 = content_type = path = ""
    if original is not None:
        data, file_name, content_type, extension = original
        sha256 = hashlib.sha256(data).hexdigest()
        path = _store_original(data, extension)
    invoice = Invoice.objects.create(
        kind=parsed.kind,
        supplier=supplier,
        invoice_number=parsed.invoice_number[:60],
        number_key=number_key(parsed.invoice_number)[:60],
        invoice_date=parsed.invoice_date,
        due_date=parsed.due_date or parsed.invoice_date + timedelta(days=30),
        currency=parsed.currency,
        purchase_order=purchase_order,
        po_reference=(parsed.po_reference or (purchase_order.number if purchase_order else ""))[
            :60
        ],
        credited_invoice=credited,
        billing_reference=parsed.billing_reference[:60],
        seller_tax_id=parsed.seller_tax_id[:40],
        seller_name=(parsed.seller_names[0] if parsed.seller_names else "")[:200],
        lines_total=parsed.lines_total,
        allowance_total=parsed.allowance_total,
        charge_total=parsed.charge_total,
        tax_total=parsed.tax_total,
        total=parsed.total,
        prepaid=parsed.prepaid,
        payable=parsed.payable,
        tax_breakdown=parsed.tax_breakdown,
        discount_percent=parsed.discount_percent,
        discount_until=parsed.discount_until,
        channel=parsed.channel,
        file=path,
        file_name=file_name[:200],
        file_sha256=sha256,
        file_content_type=content_type[:100],
        policy_version=version.label,
        received_by=actor if isinstance(actor, User) else None,
    )
    po_lines = po_lines or {}
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=line.line_no,
            po_line=po_lines.get(line.line_no),
            order_line_reference=line.order_line_reference[:60],
            description=line.description[:300],
            quantity=line.quantity,
            unit_price=line.unit_price,
            net_amount=line.net_amount,
            tax_rate=line.tax_rate,
            tax_category=line.tax_category[:4],
        )
        for line in parsed.lines
    )
    findings = _validate(
        invoice, parsed, document, missing_orders=missing_orders, same_file_check=same_file_check
    )
    if invoice.duplicate_of_id:
        invoice.save(update_fields=["duplicate_of"])
    raised = InvoiceException.objects.bulk_create(
        exceptions_for(
            invoice.pk,
            findings,
            policy=version.label,
            due=exception_due(timezone.now(), document["invoices"]),
        )
    )
    summary = {
        "number": invoice.invoice_number,
        "supplier": supplier.name,
        "total": invoice.total,
        "currency": invoice.currency,
        "channel": invoice.channel,
        "purchase_order": invoice.po_reference,
    }
    event_record(
        actor=actor,
        action="invoice.received",
        subject_type="invoice",
        subject_id=invoice.pk,
        policy_version=version.label,
        after={**summary, "file_sha256": sha256, "file_name": file_name, "kind": invoice.kind},
        data={"checks": [{"code": f.code, "detail": f.detail} for f in findings]},
        payload=invoice_payload(
            invoice, kind=invoice.kind, channel=invoice.channel, purchase_order=invoice.po_reference
        ),
        announce=exceptions_raised(raised, {invoice.pk: invoice.invoice_number}),
    )
    if invoice.kind == Invoice.Kind.CREDIT_NOTE and credited is not None:
        from .resolutions import credit_note_settle

        credit_note_settle(invoice)
    schedule_matching([invoice.pk])
    return invoice


def schedule_matching(invoice_ids: list[Any]) -> None:
    send_on_commit("apps.invoices.tasks.match_invoices", [str(i) for i in invoice_ids])


def invoice_payload(invoice: Invoice, **extra: Any) -> dict[str, Any]:
    """What every invoice event in the catalogue carries (docs/events.md)."""
    return {
        "id": invoice.pk,
        "number": invoice.invoice_number,
        "supplier": invoice.supplier_id,
        "supplier_name": invoice.supplier.name,
        "total": invoice.total,
        "currency": invoice.currency,
        **extra,
    }


def exception_payload(exception: InvoiceException, number: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": exception.invoice_id,
        "number": number,
        "exception": exception.pk,
        "code": exception.code,
        "category": exception.category,
        **extra,
    }


def exceptions_raised(
    exceptions: list[InvoiceException], numbers: dict[Any, str]
) -> list[tuple[str, dict[str, Any]]]:
    """`invoice.exception_raised`, once per exception, for the event that raised them."""
    return [
        ("invoice.exception_raised", exception_payload(e, numbers.get(e.invoice_id, "")))
        for e in exceptions
    ]


@transaction.atomic
def invoices_import(*, actor: Any, upload: Any, supplier: Supplier | None = None) -> list[Invoice]:
    """Import a file of one or more invoices: all of them, or none (one transaction)."""
    from .intake.files import read_invoice_file

    parsed_invoices, original = read_invoice_file(upload)
    invoices = []
    several = len(parsed_invoices) > 1
    for parsed in parsed_invoices:
        if supplier is not None:
            found = (
                find_supplier(parsed) if (parsed.seller_tax_id or parsed.seller_names) else supplier
            )
            if found.pk != supplier.pk:
                raise UnknownSupplier(
                    _("The invoice names another seller (%s); upload only your own invoices.")
                    % found.name
                )
        invoices.append(
            invoice_receive(
                actor=actor,
                parsed=parsed,
                supplier=supplier,
                original=original,
                same_file_check=not several,
            )
        )
    return invoices


def invoice_create(
    *, actor: Any, data: dict[str, Any], supplier: Supplier | None = None
) -> Invoice:
    """An invoice entered as data (API, or the supplier portal's form beside its PDF)."""
    from .intake import ParsedLine

    if supplier is None:
        supplier = (
            Supplier.objects.filter(pk=data["supplier"]).first() if data.get("supplier") else None
        )
        if supplier is None:
            raise ValidationFailed(errors={"supplier": [_("Give the id of a known supplier.")]})
    order = None
    if data.get("purchase_order"):
        order = PurchaseOrder.objects.filter(pk=data["purchase_order"], supplier=supplier).first()
        if order is None:
            raise ValidationFailed(
                errors={"purchase_order": [_("Not a purchase order of this supplier.")]}
            )
    wanted = {line["po_line"] for line in data["lines"] if line.get("po_line")}
    known = {
        line.pk: line
        for line in PurchaseOrderLine.objects.filter(
            pk__in=wanted, purchase_order__supplier=supplier
        )
    }
    errors = {
        f"lines[{i}].po_line": [_("Not a line of this supplier's orders.")]
        for i, line in enumerate(data["lines"])
        if line.get("po_line") and line["po_line"] not in known
    }
    if errors:
        raise ValidationFailed(errors=errors)
    lines = []
    for i, line in enumerate(data["lines"], start=1):
        net = (line["quantity"] * line["unit_price"]).quantize(CENT)
        lines.append(
            ParsedLine(
                line_no=i,
                description=line["description"],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                net_amount=net,
                tax_rate=line.get("tax_rate") or ZERO,
            )
        )
    lines_total = sum((line.net_amount for line in lines), ZERO)
    tax_total = sum(
        ((line.net_amount * line.tax_rate / 100).quantize(CENT) for line in lines), ZERO
    )
    parsed = ParsedInvoice(
        channel=data.get("channel", Invoice.Channel.API),
        kind=data.get("kind") or Invoice.Kind.INVOICE,
        invoice_number=data["invoice_number"],
        invoice_date=data["invoice_date"],
        due_date=data.get("due_date"),
        currency=data["currency"],
        lines=lines,
        lines_total=lines_total,
        tax_total=tax_total,
        total=data["total"],
        payable=data["total"],
        billing_reference=data.get("credited_invoice_number", ""),
    )
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
