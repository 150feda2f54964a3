"""Working exceptions: assign, comment, and resolve within the actor's authority. When the
last open exception of an invoice is resolved, the invoice is matched again at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.refusals import (
    ApplicationError,
    InvalidTransition,
    NotFound,
    PermissionRefused,
    SoDViolation,
    ValidationFailed,
)
from apps.controls.transitions import move_status
from apps.events.services import event_record, records_sod_refusals
from apps.procurement.models import PurchaseOrder
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_cancel

from .catalog import MATCH_CODES, QUEUES, RESOLUTIONS, VARIANCE_CODES
from .models import CreditNoteRequest, ExceptionComment, Invoice, InvoiceException, InvoiceLine
from .outcome import invoices_match
from .services import CENT, ZERO, exception_payload, invoice_payload, policy_section

OPEN = [
    InvoiceException.Status.OPEN,
    InvoiceException.Status.WAITING_SUPPLIER,
    InvoiceException.Status.PENDING_SECOND,
]


class AuthorityExceeded(ApplicationError):
    status = 403
    code = "authority_exceeded"


def may_work(actor: User, queue: str) -> bool:
    """Queue owners work their queue; AP works every queue but compliance's."""
    if queue == "compliance":
        return actor.has_perm("accounts.review_screening")
    return actor.has_perm(QUEUES[queue][0]) or actor.has_perm("accounts.process_invoices")


def variance_authority(actor: User) -> Decimal:
    """The largest variance the actor may accept: the highest of their roles' limits."""
    _version, document = policy_section()
    limits = document["invoices"]["variance_authority"]
    roles = [g.name for g in actor.groups.all()]
    return max((Decimal(str(limits[r])) for r in roles if r in limits), default=Decimal("0"))


def _locked(exception_id: Any, actor: User) -> InvoiceException:
    exception = InvoiceException.objects.select_for_update().filter(pk=exception_id).first()
    if exception is None:
        raise NotFound()
    if not may_work(actor, exception.queue):
        raise PermissionRefused(_("This exception belongs to another team's queue."))
    return exception


@transaction.atomic
def exception_assign(*, actor: User, exception_id: Any, assignee: User | None) -> InvoiceException:
    exception = _locked(exception_id, actor)
    if assignee is not None and not may_work(assignee, exception.queue):
        raise ValidationFailed(errors={"assignee": [_("That person cannot work this queue.")]})
    exception.assignee = assignee
    exception.save(update_fields=["assignee"])
    event_record(
        actor=actor,
        action="invoice.exception_assigned",
        subject_type="invoice",
        subject_id=exception.invoice_id,
        data={
            "exception": exception.pk,
            "code": exception.code,
            "assignee": assignee.email if assignee else None,
        },
    )
    return exception


@transaction.atomic
def exception_comment(*, actor: User, exception_id: Any, body: str) -> ExceptionComment:
    exception = _locked(exception_id, actor)
    if not (body or "").strip():
        raise ValidationFailed(errors={"body": [_("Write a comment.")]})
    comment = ExceptionComment.objects.create(
        exception=exception, author=actor, body=body.strip()[:4000]
    )
    event_record(
        actor=actor,
        action="invoice.exception_commented",
        subject_type="invoice",
        subject_id=exception.invoice_id,
        data={"exception": exception.pk, "comment": comment.body},
    )
    return comment


def _close(exception: InvoiceException, actor: User | None, resolution: str, comment: str) -> None:
    move_status(exception, InvoiceException.Status.RESOLVED, noun=_("exception"))
    exception.resolution, exception.resolution_comment = resolution, comment
    exception.resolved_by, exception.resolved_at = actor, timezone.now()
    exception.save(
        update_fields=["status", "resolution", "resolution_comment", "resolved_by", "resolved_at"]
    )


def _resolved(exception: InvoiceException, number: str) -> tuple[str, dict[str, Any]]:
    """The catalogue announcement of an exception just closed."""
    return (
        "invoice.exception_resolved",
        exception_payload(exception, number, resolution=exception.resolution),
    )


def _accept(exception: InvoiceException, actor: User) -> None:
    """A person accepts a variance, within the authority of their roles."""
    authority = variance_authority(actor)
    if exception.variance_amount > authority:
        raise AuthorityExceeded(
            _(
                "This variance of %(amount)s is above your authority of %(limit)s; "
                "assign it to someone who may accept it."
            )
            % {"amount": exception.variance_amount, "limit": authority}
        )
    _record_acceptance(exception)


def _record_acceptance(exception: InvoiceException) -> None:
    """Record an accepted variance where matching reads it, so a re-match keeps it."""
    gap = exception.data.get("gap")
    if exception.line_id is not None and gap is not None:
        line = InvoiceLine.objects.select_for_update().get(pk=exception.line_id)
        accepted = dict(line.accepted)
        accepted[exception.code] = gap
        line.accepted = accepted
        line.save(update_fields=["accepted"])
    elif exception.data.get("header"):
        Invoice.objects.filter(pk=exception.invoice_id).update(
            accepted_header_variance=exception.variance_amount
        )


@records_sod_refusals("invoice.exception_refused", "invoice_exception", "exception_id")
@transaction.atomic
def exception_resolve(
    *, actor: User, exception_id: Any, resolution: str, comment: str = "", purchase_order: str = ""
) -> InvoiceException:
    exception = _locked(exception_id, actor)
    rule = RESOLUTIONS.get(resolution)
    if rule is None:
        raise ValidationFailed(
            errors={"resolution": [_("Choose one of: %s.") % ", ".join(RESOLUTIONS)]}
        )
    codes, needs_comment = rule
    if codes is not None and exception.code not in codes:
        raise InvalidTransition(
            _("%(r)s does not resolve a %(c)s exception.") % {"r": resolution, "c": exception.code}
        )
    comment = (comment or "").strip()
    if needs_comment and not comment:
        raise ValidationFailed(errors={"comment": [_("Say why; auditors read it.")]})
    if exception.status == InvoiceException.Status.RESOLVED:
        raise InvalidTransition(_("This exception is already resolved."))
    invoice = Invoice.objects.select_for_update().get(pk=exception.invoice_id)
    if invoice.status in (Invoice.Status.REJECTED, Invoice.Status.PAID):
        raise InvalidTransition(_("The invoice is %s.") % invoice.get_status_display().lower())
    before = exception.status
    if resolution == "reject_invoice":
        _reject(invoice, actor, comment, exception)
    elif resolution == "request_credit_note":
        return _request_credit(exception, invoice, actor, comment)
    elif resolution == "release_duplicate":
        if exception.status != InvoiceException.Status.PENDING_SECOND:
            move_status(exception, InvoiceException.Status.PENDING_SECOND, noun=_("exception"))
            exception.first_decider, exception.resolution_comment = actor, comment
            exception.save(update_fields=["status", "first_decider", "resolution_comment"])
            event_record(
                actor=actor,
                action="invoice.duplicate_release_requested",
                subject_type="invoice",
                subject_id=invoice.pk,
                data={
                    "exception": exception.pk,
                    "reason": comment,
                    "original": exception.data.get("original"),
                },
            )
            return exception
        if exception.first_decider_id == actor.pk:
            raise SoDViolation(_("A second person must confirm that this is not a duplicate."))
        _close(exception, actor, resolution, f"{exception.resolution_comment} / {comment}")
    else:
        if resolution in ("accept_variance", "override") and exception.code in VARIANCE_CODES:
            _accept(exception, actor)
        if resolution == "rematch" and exception.code in ("no_po", "po_not_found"):
            _attach_order(invoice, purchase_order, actor)
        if resolution != "rematch" or exception.code in ("no_po", "po_not_found"):
            _close(exception, actor, resolution, comment)
    event_record(
        actor=actor,
        action="invoice.exception_resolved"
        if exception.status == InvoiceException.Status.RESOLVED
        else f"invoice.exception_{resolution}",
        subject_type="invoice",
        subject_id=invoice.pk,
        policy_version=exception.policy_version,
        before={"status": before},
        after={"status": exception.status, "resolution": resolution},
        data={
            "exception": exception.pk,
            "code": exception.code,
            "variance": exception.variance_amount,
            "comment": comment,
        },
        payload=_resolved(exception, invoice.invoice_number)[1]
        if exception.status == InvoiceException.Status.RESOLVED
        else None,
    )
    invoice.touched = True
    invoice.save(update_fields=["touched"])
    if invoice.status != Invoice.Status.REJECTED:
        _rematch_if_clear(invoice, force=resolution == "rematch")
    exception.refresh_from_db()
    return exception


def _attach_order(invoice: Invoice, reference: str, actor: User) -> None:
    order = (
        PurchaseOrder.objects.filter(supplier=invoice.supplier)
        .filter(number__iexact=(reference or "").strip())
        .first()
    )
    if order is None:
        raise ValidationFailed(
            errors={
                "purchase_order": [_("Give the number of one of this supplier's purchase orders.")]
            }
        )
    if order.currency != invoice.currency:
        raise ValidationFailed(
            errors={"purchase_order": [_("That order is in %s.") % order.currency]}
        )
    invoice.purchase_order, invoice.po_reference = order, order.number
    invoice.save(update_fields=["purchase_order", "po_reference"])


def _rematch_if_clear(invoice: Invoice, *, force: bool = False) -> None:
    still_open = invoice.exceptions.filter(status__in=OPEN)
    if still_open.exclude(code__in=MATCH_CODES).exists():
        return
    if not force and still_open.exists():
        return
    if invoice.status == Invoice.Status.EXCEPTION:
        move_status(invoice, Invoice.Status.RECEIVED, noun=_("invoice"))
        invoice.save(update_fields=["status"])
    invoices_match(invoice_ids=[invoice.pk])


def _reject(
    invoice: Invoice, actor: User, comment: str, exception: InvoiceException | None
) -> None:
    move_status(invoice, Invoice.Status.REJECTED, noun=_("invoice"))
    invoice.save(update_fields=["status"])
    closed = []
    for other in invoice.exceptions.select_for_update().filter(status__in=OPEN):
        _close(other, actor, "invoice_rejected", comment)
        if exception is None or other.pk != exception.pk:  # that one is announced as resolved
            closed.append(_resolved(other, invoice.invoice_number))
    route = ApprovalRoute.objects.filter(
        subject_type="invoice", subject_id=str(invoice.pk), status=ApprovalRoute.Status.PENDING
    ).first()
    if route is not None:
        route_cancel(actor=actor, route=route, reason="rejected")
    event_record(
        actor=actor,
        action="invoice.rejected",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={"comment": comment, "exception": exception.pk if exception else None},
        payload=invoice_payload(invoice, reason=comment),
        announce=closed,
    )


def _request_credit(
    exception: InvoiceException, invoice: Invoice, actor: User, comment: str
) -> InvoiceException:
    if exception.status != InvoiceException.Status.OPEN:
        raise InvalidTransition(_("A credit note can be requested on an open exception."))
    amount = exception.variance_amount
    if exception.code == "tax_mismatch" or amount <= 0:
        amount = invoice.total
    move_status(exception, InvoiceException.Status.WAITING_SUPPLIER, noun=_("exception"))
    exception.resolution, exception.resolution_comment = "request_credit_note", comment
    exception.save(update_fields=["status", "resolution", "resolution_comment"])
    request = CreditNoteRequest.objects.create(
        invoice=invoice, exception=exception, amount=amount, reason=comment, requested_by=actor
    )
    invoice.touched = True
    invoice.save(update_fields=["touched"])
    event_record(
        actor=actor,
        action="invoice.credit_note_requested",
        subject_type="invoice",
        subject_id=invoice.pk,
        data={
            "exception": exception.pk,
            "amount": amount,
            "reason": comment,
            "request": request.pk,
        },
    )
    supplier = invoice.supplier
    if supplier.email:
        number, name = invoice.invoice_number, supplier.name
        transaction.on_commit(
            lambda: send_mail(
                _("Credit note requested for invoice %s") % number,
                _(
                    "Please send a credit note of %(amount)s %(cur)s for invoice %(n)s "
                    "(%(name)s): %(why)s\nYou can see the request in the supplier portal."
                )
                % {
                    "amount": amount,
                    "cur": invoice.currency,
                    "n": number,
                    "name": name,
                    "why": comment,
                },
                None,
                [supplier.email],
                fail_silently=True,
            )
        )
    return exception


def credit_note_settle(credit_note: Invoice) -> int:
    """Credit notes referencing an invoice settle its open credit requests, oldest first, as
    far as their net amounts together cover them: the variance is accepted and the invoice is
    matched again. A credit note for less than asked is recorded on the exception, which keeps
    waiting for the rest."""
    if credit_note.credited_invoice_id is None:
        return 0
    invoice_id = credit_note.credited_invoice_id
    requests = list(
        CreditNoteRequest.objects.select_for_update()
        .filter(invoice_id=invoice_id, status=CreditNoteRequest.Status.REQUESTED)
        .select_related("exception")
        .order_by("requested_at")
    )
    credited = (
        Invoice.objects.filter(credited_invoice_id=invoice_id, kind=Invoice.Kind.CREDIT_NOTE)
        .exclude(status=Invoice.Status.REJECTED)
        .aggregate(s=Sum("lines_total"))["s"]
        or ZERO
    )
    used = (
        CreditNoteRequest.objects.filter(
            invoice_id=invoice_id, status=CreditNoteRequest.Status.RECEIVED
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    available = credited - used
    settled = 0
    credited_number = Invoice.objects.values_list("invoice_number", flat=True).get(pk=invoice_id)
    for request in requests:
        if available + CENT < request.amount:
            _record_partial(request, credit_note, available)
            continue
        available -= request.amount
        request.status, request.credit_note = CreditNoteRequest.Status.RECEIVED, credit_note
        request.save(update_fields=["status", "credit_note"])
        exception = InvoiceException.objects.select_for_update().get(pk=request.exception_id)
        if exception.code in VARIANCE_CODES:
            _record_acceptance(exception)  # the credit note covers the variance
        _close(
            exception,
            None,
            "credit_note_received",
            _("Credit note %s received.") % credit_note.invoice_number,
        )
        event_record(
            actor="system:matching",
            action="invoice.credit_note_received",
            subject_type="invoice",
            subject_id=request.invoice_id,
            data={
                "credit_note": credit_note.pk,
                "number": credit_note.invoice_number,
                "amount": credit_note.total,
            },
            announce=[_resolved(exception, credited_number)],
        )
        settled += 1
    if settled:
        _rematch_if_clear(
            Invoice.objects.select_for_update().get(pk=credit_note.credited_invoice_id)
        )
    return settled


def _record_partial(request: CreditNoteRequest, credit_note: Invoice, available: Decimal) -> None:
    outstanding = request.amount - max(available, ZERO)
    ExceptionComment.objects.create(
        exception_id=request.exception_id,
        author=None,
        body=_(
            "Credit note %(number)s received (%(amount)s net); %(outstanding)s of the "
            "%(asked)s asked is still outstanding."
        )
        % {
            "number": credit_note.invoice_number,
            "amount": credit_note.lines_total,
            "outstanding": outstanding,
            "asked": request.amount,
        },
    )
    event_record(
        actor="system:matching",
        action="invoice.credit_note_partial",
        subject_type="invoice",
        subject_id=request.invoice_id,
        data={
            "credit_note": credit_note.pk,
            "number": credit_note.invoice_number,
            "amount": credit_note.lines_total,
            "outstanding": outstanding,
        },
    )


@transaction.atomic
def invoice_rematch(*, actor: Any, invoice_id: Any) -> Invoice:
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None:
        raise NotFound()
    if invoice.status not in (Invoice.Status.EXCEPTION, Invoice.Status.RECEIVED):
        raise InvalidTransition(
            _("Only an invoice in exception (or not yet matched) is matched again.")
        )
    event_record(
        actor=actor,
        action="invoice.rematch_requested",
        subject_type="invoice",
        subject_id=invoice.pk,
    )
    _rematch_if_clear(invoice, force=True)
    invoice.refresh_from_db()
    return invoice


@transaction.atomic
def invoices_rematch_for_order(*, order_id: Any) -> int:
    """After a goods receipt: invoices of the order held only by matching exceptions."""
    ids = list(
        InvoiceException.objects.filter(
            invoice__purchase_order_id=order_id,
            code="not_received",
            status__in=OPEN,
            invoice__status=Invoice.Status.EXCEPTION,
        )
        .values_list("invoice_id", flat=True)
        .distinct()
    )
    count = 0
    for invoice in Invoice.objects.select_for_update().filter(pk__in=ids):
        _rematch_if_clear(invoice, force=True)
        count += 1
    return count
