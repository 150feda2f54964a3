"""The checks an invoice meets on arrival, before any order line is compared: who sent it
(supplier, tax id, bank change, sanctions), whether it adds up, whether it looks like one
already received, whether its amount or timing is unusual for the supplier, and what the review
hooks (the anomaly assistant) find unusual."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError
from apps.einvoices import ParsedInvoice
from apps.einvoices.arithmetic import arithmetic_problems
from apps.organization.money import amount_text
from apps.policies.invoice_section import AMOUNT_HISTORY_MAX
from apps.suppliers.models import BankAccount, ScreeningHit, Supplier
from apps.suppliers.selectors import suppliers_of_seller
from apps.suppliers.validation import check_tax_id, tax_id_forms

from ..duplicates import find_duplicate
from ..models import ZERO, Invoice
from ..review import review_signals
from ..tolerances import Finding

# the timing signal needs this many past intervals between the supplier's invoices
EARLY_INTERVALS = 5


class UnknownSupplier(ApplicationError):
    status = 422
    code = "unknown_supplier"


def find_supplier(parsed: ParsedInvoice) -> tuple[Supplier, list[Supplier]]:
    """The seller (apps.suppliers.selectors.suppliers_of_seller). When several suppliers fit
    and the file's IBAN and name do not single one out, the first is answered with all of them
    as candidates (an `ambiguous_supplier` exception, AP chooses); otherwise the candidates are
    empty."""
    candidates = suppliers_of_seller(
        tax_id=parsed.seller_tax_id, names=parsed.seller_names, ibans=parsed.seller_ibans
    )
    if candidates:
        return candidates[0], candidates if len(candidates) > 1 else []
    who = ", ".join(filter(None, [parsed.seller_tax_id, *parsed.seller_names])) or _("(none given)")
    raise UnknownSupplier(
        _(
            "No supplier matches the seller on the invoice (%s). "
            "Invite or correct the supplier first."
        )
        % who,
        errors={"supplier": [_("Unknown seller: %s.") % who]},
    )


def other_seller(parsed: ParsedInvoice, supplier: Supplier) -> Supplier | None:
    """The known supplier a file names as its seller when that is not `supplier` (nor one of
    the suppliers sharing the seller's tax id with it); None when the file names `supplier` or
    no seller at all. A seller on no record raises `unknown_supplier`."""
    if not (parsed.seller_tax_id or parsed.seller_names):
        return None
    found, candidates = find_supplier(parsed)
    if found.pk == supplier.pk or supplier.pk in {c.pk for c in candidates}:
        return None
    return found


def credit_note_untied(invoice: Invoice, missing_orders: list[str]) -> str:
    """Why a credit note is tied to neither a purchase order of its supplier nor an invoice
    it credits, or "" when it is tied to one: a credit note corrects a document, and one that
    corrects nothing known waits for AP instead of being approved."""
    if invoice.credited_invoice_id is not None or invoice.purchase_order_id is not None:
        return ""
    if invoice.lines.filter(po_line__isnull=False).exists():
        return ""
    order = (
        _("purchase order %s is not one of this supplier's") % ", ".join(missing_orders)
        if missing_orders
        else _("it names no purchase order")
    )
    credited = (
        _("invoice %s was not received from this supplier") % invoice.billing_reference
        if invoice.billing_reference
        else _("it names no invoice it credits")
    )
    return _(
        "The credit note is tied to no order or invoice: %(order)s; %(credited)s. "
        "Link the invoice it credits or name the order."
    ) % {"order": order, "credited": credited}


@dataclass(frozen=True)
class Arrival:
    """What the arrival checks read: the invoice as received, its parsed file, the policy
    document, the order references that named no order of the supplier, and the suppliers
    the seller could also be."""

    invoice: Invoice
    parsed: ParsedInvoice
    document: dict[str, Any]
    missing_orders: list[str]
    same_file_check: bool
    candidates: list[Supplier]

    @property
    def supplier(self) -> Supplier:
        return self.invoice.supplier


def _finding(code: str, detail: str, **data: Any) -> Finding:
    return Finding(code, None, detail[:500], ZERO, data)


def ambiguous_supplier(arrival: Arrival) -> Finding | None:
    """Several suppliers fit the seller and nothing on the file singles one out."""
    candidates, parsed = arrival.candidates, arrival.parsed
    if not candidates:
        return None
    return _finding(
        "ambiguous_supplier",
        _("The seller %(who)s fits %(n)s suppliers: %(names)s. Choose the right one.")
        % {
            "who": parsed.seller_tax_id or ", ".join(parsed.seller_names),
            "n": len(candidates),
            "names": ", ".join(c.name for c in candidates),
        },
        candidates=[{"id": str(c.pk), "name": c.name} for c in candidates],
    )


def supplier_not_approved(arrival: Arrival) -> Finding | None:
    supplier = arrival.supplier
    if supplier.status == Supplier.Status.APPROVED:
        return None
    return _finding(
        "supplier_not_approved",
        _("%(s)s is %(status)s, not approved.")
        % {"s": supplier.name, "status": supplier.get_status_display()},
    )


def order_reference(arrival: Arrival) -> Finding | None:
    """An invoice quotes a purchase order of its supplier: one it names must exist, and one
    that names none is held as `no_po`."""
    invoice, missing_orders = arrival.invoice, arrival.missing_orders
    if invoice.kind != Invoice.Kind.INVOICE:
        return None
    if missing_orders:
        return _finding(
            "po_not_found",
            _("No purchase order %s of this supplier.") % ", ".join(missing_orders),
            reference=missing_orders[0],
            references=missing_orders,
        )
    if (
        invoice.purchase_order_id is None
        and not invoice.lines.filter(po_line__isnull=False).exists()
    ):
        return _finding("no_po", _("The invoice quotes no purchase order."))
    return None


def credit_note_unmatched(arrival: Arrival) -> Finding | None:
    invoice = arrival.invoice
    if invoice.kind == Invoice.Kind.INVOICE:
        return None
    untied = credit_note_untied(invoice, arrival.missing_orders)
    if not untied:
        return None
    return _finding(
        "credit_note_unmatched",
        untied,
        references=arrival.missing_orders,
        billing_reference=invoice.billing_reference,
    )


def currency_mismatch(arrival: Arrival) -> Finding | None:
    invoice = arrival.invoice
    order = invoice.purchase_order
    if order is None or order.currency == invoice.currency:
        return None
    return _finding(
        "currency_mismatch",
        _("Invoiced in %(inv)s, ordered in %(po)s.")
        % {"inv": invoice.currency, "po": order.currency},
    )


def tax_mismatch(arrival: Arrival) -> Finding | None:
    """The file's own sums do not add up."""
    problems = arithmetic_problems(arrival.parsed)
    if not problems:
        return None
    return _finding("tax_mismatch", " ".join(problems), problems=problems)


def invalid_tax_id(arrival: Arrival) -> Finding | None:
    """The tax id the file states is invalid or not the supplier's; a file that states none
    falls back on the supplier record's own validation."""
    supplier = arrival.supplier
    stated = arrival.parsed.seller_tax_id.strip()
    if not stated:
        if supplier.tax_id_valid is False:
            return _finding(
                "invalid_tax_id", _("The supplier's tax id %s failed validation.") % supplier.tax_id
            )
        return None
    result = check_tax_id(supplier.country, stated)
    if result.valid is False:
        return _finding(
            "invalid_tax_id",
            _("The tax id on the invoice, %(id)s, is not valid: %(why)s")
            % {"id": stated, "why": result.message},
        )
    if supplier.tax_id and not tax_id_forms(result.value) & tax_id_forms(supplier.tax_id):
        return _finding(
            "invalid_tax_id",
            _("The invoice names tax id %(id)s; the supplier's record has %(ours)s.")
            % {"id": stated, "ours": supplier.tax_id},
        )
    return None


def bank_details_changed(arrival: Arrival) -> Finding | None:
    supplier = arrival.supplier
    recent = arrival.document["suppliers"]["bank_change_recent_days"]
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
    if not (recent and changed.exists()):
        return None
    return _finding(
        "bank_details_changed",
        _("Bank details of %(s)s changed in the last %(d)s days; confirm before paying.")
        % {"s": supplier.name, "d": recent},
    )


def bank_account_shared(arrival: Arrival) -> list[Finding]:
    """One finding per account of the supplier also on file for another supplier."""
    supplier = arrival.supplier
    return [
        _finding(
            "bank_account_shared",
            _("The bank account %(a)s of %(s)s is also on file for %(o)s; compliance clears it.")
            % {
                "a": account.masked,
                "s": supplier.name,
                "o": ", ".join(o["name"] for o in account.shared_with),
            },
        )
        for account in BankAccount.objects.filter(BankAccount.sharing_open_q(), supplier=supplier)
    ]


def sanctions_hit(arrival: Arrival) -> Finding | None:
    supplier = arrival.supplier
    hits = ScreeningHit.objects.filter(supplier=supplier).exclude(
        status=ScreeningHit.Status.FALSE_POSITIVE
    )
    if not (hits.exists() or supplier.status == Supplier.Status.BLOCKED):
        return None
    return _finding(
        "sanctions_hit",
        _("%s has a sanctions screening hit that is open or confirmed.") % supplier.name,
    )


def amount_outlier(
    totals: list[float], total: float, *, limit: float, needed: int
) -> tuple[float, float, float] | None:
    """(mean, standard deviation, deviations from the mean) of `total` against the history
    when it lies beyond `limit` deviations; None with fewer than `needed` totals. A supplier
    that always bills the same amount: its deviation counts as 5 % of its mean at least."""
    if len(totals) < needed or not totals:
        return None
    mean = statistics.fmean(totals)
    sigma = max(statistics.pstdev(totals), abs(mean) * 0.05) or 0.01
    deviation = (total - mean) / sigma
    return (mean, sigma, deviation) if abs(deviation) > limit else None


def early_interval(dates: list[Any], day: Any, *, share: float) -> tuple[int, float, int] | None:
    """(days since the previous invoice, the median interval, how many intervals) when `day`
    comes sooner than `share` of the median interval of the earlier `dates` (newest first);
    None with fewer than five intervals."""
    intervals = [(later - earlier).days for later, earlier in itertools.pairwise(dates)]
    if len(intervals) < EARLY_INTERVALS:
        return None
    median = statistics.median(intervals)
    since = (day - dates[0]).days
    if not median or since >= share * median:
        return None
    return since, float(median), len(intervals)


def amount_anomaly(arrival: Arrival) -> Finding | None:
    """The total lies beyond mean ± N standard deviations of the supplier's latest approved
    (or paid) invoices in the same currency; no signal with less history than the policy asks.
    One query whatever the history's size."""
    invoice, section = arrival.invoice, arrival.document["invoices"]
    limit = Decimal(str(section["amount_anomaly_sigma"]))
    if not limit or invoice.kind != Invoice.Kind.INVOICE:
        return None
    totals: list[Any] = list(
        Invoice.objects.filter(
            supplier=arrival.supplier,
            currency=invoice.currency,
            kind=Invoice.Kind.INVOICE,
            status__in=[Invoice.Status.APPROVED, Invoice.Status.PAID],
        )
        .exclude(pk=invoice.pk)
        .order_by("-invoice_date", "-created_at")
        .values_list("total", flat=True)[:AMOUNT_HISTORY_MAX]
    )
    found = amount_outlier(
        [float(t) for t in totals],
        float(invoice.total),
        limit=float(limit),
        needed=section["amount_anomaly_history"],
    )
    if found is None:
        return None
    mean, sigma, deviation = found
    numbers = {
        "total": str(invoice.total),
        "mean": f"{mean:.2f}",
        "sigma": f"{sigma:.2f}",
        "deviation": round(deviation, 2),
        "history": len(totals),
        "currency": invoice.currency,
    }
    return _finding(
        "amount_anomaly",
        _(
            "%(total)s %(currency)s is %(n)s standard deviations %(side)s this supplier's mean "
            "of %(mean)s (standard deviation %(sigma)s, last %(history)s approved invoices in "
            "%(currency)s)."
        )
        % {
            **numbers,
            "total": amount_text(invoice.total, invoice.currency),
            "mean": amount_text(mean, invoice.currency),
            "sigma": amount_text(sigma, invoice.currency),
            "n": f"{abs(deviation):.1f}",
            "side": _("above") if deviation > 0 else _("below"),
        },
        **numbers,
    )


def invoice_early(arrival: Arrival) -> Finding | None:
    """Far sooner after the supplier's previous invoice than it usually invoices: fewer days
    than the policy's share of its median interval over at least five past intervals. A
    review signal (REVIEW_CODES): it holds nothing. One query."""
    invoice, share = arrival.invoice, arrival.document["invoices"]["early_invoice_share"]
    if not share or invoice.kind != Invoice.Kind.INVOICE:
        return None
    dates = list(
        Invoice.objects.filter(
            supplier=arrival.supplier,
            kind=Invoice.Kind.INVOICE,
            invoice_date__lte=invoice.invoice_date,
        )
        .exclude(pk=invoice.pk)
        .exclude(status=Invoice.Status.REJECTED)
        .order_by("-invoice_date")
        .values_list("invoice_date", flat=True)[: AMOUNT_HISTORY_MAX + 1]
    )
    found = early_interval(dates, invoice.invoice_date, share=float(share))
    if found is None:
        return None
    since, median, intervals = found
    return _finding(
        "invoice_early",
        _(
            "Dated %(since)s days after this supplier's previous invoice; it usually invoices "
            "every %(median)s days (median of its last %(n)s intervals)."
        )
        % {"since": since, "median": f"{median:g}", "n": intervals},
        days_since_previous=since,
        median_interval=float(median),
        intervals=intervals,
        previous=dates[0].isoformat(),
    )


def behaviour_review(arrival: Arrival) -> list[Finding]:
    """What the review hooks (apps.invoices.review) found unusual: exceptions for review,
    never holding the invoice (REVIEW_CODES)."""
    return [
        _finding("behaviour_anomaly", signal.detail, **signal.data)
        for signal in review_signals(arrival.invoice, arrival.document)
    ]


def duplicate_suspected(arrival: Arrival) -> Finding | None:
    """Looks like an invoice already received; the invoice is pointed at the original."""
    invoice = arrival.invoice
    duplicates = arrival.document["invoices"]["duplicates"]
    suspicion = find_duplicate(
        supplier_id=invoice.supplier.pk,
        number=invoice.invoice_number,
        invoice_date=invoice.invoice_date,
        total=invoice.total,
        sha256=invoice.file_sha256 if arrival.same_file_check else "",
        kind=invoice.kind,
        exclude_id=invoice.pk,
        similarity=duplicates["number_similarity"],
        window_days=duplicates["date_window_days"],
    )
    if suspicion is None:
        return None
    invoice.duplicate_of_id = suspicion.original_id
    original = (
        Invoice.objects.filter(pk=suspicion.original_id)
        .values_list("invoice_number", flat=True)
        .first()
    )
    return _finding(
        "duplicate_suspected",
        _("Looks like invoice %(n)s already received (%(why)s).")
        % {"n": original, "why": ", ".join(suspicion.signals)},
        original=str(suspicion.original_id),
        reason=suspicion.reason,
        signals=list(suspicion.signals),
    )


# run in this order, which is the order AP reads the findings in
ARRIVAL_CHECKS: tuple[Callable[[Arrival], Finding | list[Finding] | None], ...] = (
    ambiguous_supplier,
    supplier_not_approved,
    order_reference,
    credit_note_unmatched,
    currency_mismatch,
    tax_mismatch,
    invalid_tax_id,
    bank_details_changed,
    bank_account_shared,
    sanctions_hit,
    amount_anomaly,
    invoice_early,
    duplicate_suspected,
    behaviour_review,
)


def arrival_findings(
    invoice: Invoice,
    parsed: ParsedInvoice,
    document: dict[str, Any],
    *,
    missing_orders: list[str],
    same_file_check: bool = True,
    candidates: list[Supplier] | None = None,
) -> list[Finding]:
    """The checks that do not need the order's lines: each of ARRIVAL_CHECKS in turn."""
    arrival = Arrival(invoice, parsed, document, missing_orders, same_file_check, candidates or [])
    findings: list[Finding] = []
    for check in ARRIVAL_CHECKS:
        found = check(arrival)
        if isinstance(found, Finding):
            findings.append(found)
        elif found:
            findings.extend(found)
    return findings
