"""Working exceptions: assign, comment, and resolve within the actor's authority. When the
last open exception of an invoice is resolved, the invoice is matched again at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import require
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
from apps.organization.money import money_text
from apps.procurement.models import PurchaseOrder
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_cancel

from ..advice import exception_decided
from ..exception_codes import CODE_LABELS, RESOLUTION_LABELS, RESOLUTIONS, VARIANCE_CODES
from ..models import ExceptionComment, Invoice, InvoiceException
from ..rules import may_work, variance_authority
from .announcements import invoice_payload
from .closing import (
    OPEN,
    acceptance_record,
    exception_close,
    rematch_if_clear,
    resolved_announcement,
)
from .corrections import order_lines_confirm, supplier_choose
from .credit_notes import credit_note_link, credit_note_request

# a person names the order these exceptions lack (`rematch` with `purchase_order`)
ORDER_CODES = ("no_po", "po_not_found", "credit_note_unmatched")


class AuthorityExceeded(ApplicationError):
    status = 403
    code = "authority_exceeded"


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


def _accept(exception: InvoiceException, actor: User) -> None:
    """A person accepts a variance, within the authority of their roles."""
    authority = variance_authority(actor)
    if exception.variance_amount > authority:
        raise AuthorityExceeded(
            _(
                "This variance of %(amount)s is above your authority of %(limit)s; "
                "assign it to someone who may accept it."
            )
            % {
                "amount": money_text(exception.variance_amount, exception.invoice.currency),
                "limit": money_text(authority, exception.invoice.currency),
            }
        )
    acceptance_record(exception)


# an invoice rejected or paid is settled: only an ERP disagreement or a review signal about a
# paid one is closed
FINAL = (Invoice.Status.REJECTED, Invoice.Status.PAID)
# resolutions that leave the invoice where it is (it was never held for them): no re-match
BESIDE_THE_FLOW = ("acknowledge", "reviewed")


def settled_for(resolution: str) -> tuple[str, ...]:
    """The invoice statuses in which `resolution` may no longer be taken (the exception
    advisor asks the same)."""
    return (Invoice.Status.REJECTED,) if resolution in BESIDE_THE_FLOW else FINAL


@records_sod_refusals("invoice.exception_refused", "invoice_exception", "exception_id")
@transaction.atomic
def exception_resolve(
    *,
    actor: User,
    exception_id: Any,
    resolution: str,
    comment: str = "",
    purchase_order: str = "",
    supplier: str = "",
    lines: list[dict[str, Any]] | None = None,
    credited_invoice: str = "",
) -> InvoiceException:
    exception = _locked(exception_id, actor)
    comment = _resolution_allowed(exception, resolution, comment)
    if exception.status == InvoiceException.Status.RESOLVED:
        raise InvalidTransition(_("This exception is already resolved."))
    invoice = Invoice.objects.select_for_update().get(pk=exception.invoice_id)
    if invoice.status in settled_for(resolution):
        raise InvalidTransition(_("The invoice is %s.") % invoice.get_status_display().lower())
    before = exception.status
    resolving = Resolving(
        actor=actor,
        exception=exception,
        invoice=invoice,
        resolution=resolution,
        comment=comment,
        purchase_order=purchase_order,
        supplier=supplier,
        lines=lines,
        credited_invoice=credited_invoice,
    )
    handler = RESOLVERS.get(resolution, _close)
    exception_decided(exception.pk, resolution, actor)  # after the commit; dropped on a refusal
    if (done := handler(resolving)) is not None:
        return done  # a step of its own, recorded by its handler; nothing is matched again
    _resolution_record(resolving, before)
    invoice.touched = True
    invoice.save(update_fields=["touched"])
    if invoice.status not in FINAL and resolution not in BESIDE_THE_FLOW:
        # a credit note now tied to an invoice is matched at once: what its lines were held
        # for at matching is cleared by the re-match
        rematch_if_clear(invoice, force=resolution in ("rematch", "link_invoice"))
    exception.refresh_from_db()
    return exception


def _resolution_allowed(exception: InvoiceException, resolution: str, comment: str) -> str:
    """The resolution is one there is, resolves this exception's code, and says why when it
    must: the comment, trimmed."""
    rule = RESOLUTIONS.get(resolution)
    if rule is None:
        raise ValidationFailed(
            errors={"resolution": [_("Choose one of: %s.") % ", ".join(RESOLUTIONS)]}
        )
    codes, needs_comment = rule
    if codes is not None and exception.code not in codes:
        raise InvalidTransition(
            _("“%(r)s” does not resolve “%(c)s”.")
            % {
                "r": RESOLUTION_LABELS.get(resolution, resolution),
                "c": CODE_LABELS.get(exception.code, exception.code),
            }
        )
    comment = (comment or "").strip()
    if needs_comment and not comment:
        raise ValidationFailed(errors={"comment": [_("Say why; auditors read it.")]})
    return comment


@dataclass(frozen=True)
class Resolving:
    """One resolution being applied: who, to which exception of which (locked) invoice, and
    what the person gave with it."""

    actor: User
    exception: InvoiceException
    invoice: Invoice
    resolution: str
    comment: str
    purchase_order: str
    supplier: str
    lines: list[dict[str, Any]] | None
    credited_invoice: str


def _close(r: Resolving) -> None:
    exception_close(r.exception, r.actor, r.resolution, r.comment)


def _reject_invoice(r: Resolving) -> None:
    _reject(r.invoice, r.actor, r.comment, r.exception)


def _request_credit_note(r: Resolving) -> InvoiceException:
    return credit_note_request(r.exception, r.invoice, r.actor, r.comment)


def _release_duplicate(r: Resolving) -> InvoiceException | None:
    """Four eyes: the first person asks for the release, a second one confirms it."""
    exception = r.exception
    if exception.status != InvoiceException.Status.PENDING_SECOND:
        move_status(exception, InvoiceException.Status.PENDING_SECOND, noun=_("exception"))
        exception.first_decider, exception.resolution_comment = r.actor, r.comment
        exception.save(update_fields=["status", "first_decider", "resolution_comment"])
        event_record(
            actor=r.actor,
            action="invoice.duplicate_release_requested",
            subject_type="invoice",
            subject_id=r.invoice.pk,
            data={
                "exception": exception.pk,
                "reason": r.comment,
                "original": exception.data.get("original"),
            },
        )
        return exception
    if exception.first_decider_id == r.actor.pk:
        raise SoDViolation(_("A second person must confirm that this is not a duplicate."))
    exception_close(
        exception, r.actor, r.resolution, f"{exception.resolution_comment} / {r.comment}"
    )
    return None


def _accept_variance(r: Resolving) -> None:
    if r.exception.code in VARIANCE_CODES:
        _accept(r.exception, r.actor)
    _close(r)


def _rematch(r: Resolving) -> None:
    """Matched again; an exception that lacked an order is closed by the order named."""
    if r.exception.code in ORDER_CODES:
        _attach_order(r.invoice, r.purchase_order, r.actor)
        _close(r)


def _link_invoice(r: Resolving) -> None:
    credit_note_link(r.invoice, r.credited_invoice, r.actor)
    _close(r)


def _choose_supplier(r: Resolving) -> None:
    supplier_choose(r.invoice, r.exception, r.supplier, r.actor)
    _close(r)


def _confirm_order_lines(r: Resolving) -> None:
    order_lines_confirm(r.invoice, r.actor)
    _close(r)


def _enter_lines(r: Resolving) -> None:
    order_lines_confirm(r.invoice, r.actor, r.lines or [])
    _close(r)


# what each resolution does before the event; one not named here only closes the exception.
# A handler that answers an exception has finished the request itself.
RESOLVERS: dict[str, Callable[[Resolving], InvoiceException | None]] = {
    "reject_invoice": _reject_invoice,
    "request_credit_note": _request_credit_note,
    "release_duplicate": _release_duplicate,
    "accept_variance": _accept_variance,
    "override": _accept_variance,
    "rematch": _rematch,
    "link_invoice": _link_invoice,
    "choose_supplier": _choose_supplier,
    "confirm_order_lines": _confirm_order_lines,
    "enter_lines": _enter_lines,
}


def _resolution_record(r: Resolving, before: str) -> None:
    """`invoice.exception_resolved` when the exception closed, else the resolution's own
    event (a re-match that did not close it)."""
    exception = r.exception
    resolved = exception.status == InvoiceException.Status.RESOLVED
    event_record(
        actor=r.actor,
        action="invoice.exception_resolved" if resolved else f"invoice.exception_{r.resolution}",
        subject_type="invoice",
        subject_id=r.invoice.pk,
        policy_version=exception.policy_version,
        before={"status": before},
        after={"status": exception.status, "resolution": r.resolution},
        data={
            "exception": exception.pk,
            "code": exception.code,
            "variance": exception.variance_amount,
            "comment": r.comment,
        },
        payload=resolved_announcement(exception, r.invoice.invoice_number)[1] if resolved else None,
    )


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


def _reject(
    invoice: Invoice, actor: User, comment: str, exception: InvoiceException | None
) -> None:
    move_status(invoice, Invoice.Status.REJECTED, noun=_("invoice"))
    invoice.save(update_fields=["status"])
    closed = []
    for other in invoice.exceptions.select_for_update().filter(status__in=OPEN):
        exception_close(other, actor, "invoice_rejected", comment)
        if exception is None or other.pk != exception.pk:  # that one is announced as resolved
            closed.append(resolved_announcement(other, invoice.invoice_number))
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


@transaction.atomic
def invoice_rematch(*, actor: Any, invoice_id: Any) -> Invoice:
    require(actor, "accounts.process_invoices")
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
    rematch_if_clear(invoice, force=True)
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
        rematch_if_clear(invoice, force=True)
        count += 1
    return count
