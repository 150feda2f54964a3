"""Bank statements: a camt.054 debit notification or camt.053 statement confirms the payments
of released runs. Each debit is matched by the end-to-end id our pain.001 wrote (or a run
booked as one amount, by its batch id) and its amount; a matched invoice becomes `paid`, a run
whose invoices are all paid becomes `paid`. What cannot be matched is kept and listed for AP
with the reason. The same file twice changes nothing (its SHA-256 is unique); a malformed file
is refused before anything is applied."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.entities import within_entities
from apps.controls.guards import require
from apps.events.services import event_record
from apps.invoices.models import Invoice
from apps.organization.money import amount_text
from apps.suppliers.uploads import read_limited, safe_name

from ..camt import Entry, parse_statement
from ..models import BankStatement, Payment, PaymentRun, StatementEntry
from ..pain001 import end_to_end_id
from .runs import invoices_paid, payment_run_confirm

Outcome = StatementEntry.Outcome


def _payments_for(
    entries: list[Entry], actor: Any
) -> tuple[dict[str, Payment], dict[str, PaymentRun]]:
    """Our payments by end-to-end id and runs by number, for the references in the file; the
    runs of a legal entity outside the actor's are not ours to it (their entries are not
    matched)."""
    numbers = {e.reference if e.batch else e.reference.rsplit("-", 1)[0] for e in entries}
    found = within_entities(PaymentRun.objects.filter(number__in=numbers - {""}), actor)
    runs = {run.number: run for run in found.select_for_update(of=("self",))}
    payments = {
        end_to_end_id(p.run.number, p.invoice_id): p
        for p in Payment.objects.filter(run__in=runs.values()).select_related("run", "invoice")
    }
    return payments, runs


def _judge(
    entry: Entry, payments: dict[str, Payment], runs: dict[str, PaymentRun], seen: set[int]
) -> tuple[str, str, list[Payment]]:
    """(outcome, reason, the payments it confirms) for one debit."""
    if entry.batch:
        run = runs.get(entry.reference)
        if run is None:
            return Outcome.UNMATCHED, _("No payment run %s.") % entry.reference, []
        found = [p for p in payments.values() if p.run_id == run.pk]
        expected, currency = run.total, run.currency
    else:
        payment = payments.get(entry.reference)
        if payment is None:
            reason = (
                _("No payment of ours has the end-to-end id %s.") % entry.reference
                if entry.reference
                else _("The entry carries no end-to-end id.")
            )
            return Outcome.UNMATCHED, reason, []
        run, found = payment.run, [payment]
        expected, currency = payment.amount, run.currency
    if run.status not in (PaymentRun.Status.RELEASED, PaymentRun.Status.PAID):
        return (
            Outcome.UNMATCHED,
            _("Payment run %(run)s is %(status)s, not released.")
            % {"run": run.number, "status": run.get_status_display().lower()},
            [],
        )
    if entry.currency != currency or entry.amount != expected:
        return (
            Outcome.UNMATCHED,
            _("The bank debited %(amount)s %(cur)s; %(run)s paid %(expected)s %(rcur)s.")
            % {
                "amount": amount_text(entry.amount, entry.currency),
                "cur": entry.currency,
                "run": run.number,
                "expected": amount_text(expected, currency),
                "rcur": currency,
            },
            [],
        )
    fresh = [p for p in found if p.pk not in seen and p.invoice.status == Invoice.Status.APPROVED]
    if not fresh:
        return Outcome.ALREADY, _("Already confirmed."), []
    return Outcome.MATCHED, "", fresh


Judged = tuple[Entry, str, str, Payment | None]  # entry, outcome, reason, the payment matched


@transaction.atomic
def statement_import(*, actor: User, upload: Any) -> dict[str, Any]:
    """Read a camt.053 / camt.054 file and apply it; answers {matched, unmatched: [{entry,
    reason}], already_confirmed, ignored, invoices_paid, runs_paid, statement}."""
    require(actor, "accounts.release_payments")
    name = safe_name(getattr(upload, "name", "") or "statement.xml") if upload is not None else ""
    data = read_limited(upload, choose=_("Choose a camt.053 or camt.054 file."))
    sha256 = hashlib.sha256(data).hexdigest()
    known = BankStatement.objects.filter(sha256=sha256).first()
    if known is not None:
        return {**known.result, "replay": True}
    kind, message_id, entries = parse_statement(data)
    rows, paid, ignored = _entries_judged(entries, actor)
    path = default_storage.save(f"statements/{uuid.uuid4().hex}.xml", ContentFile(data))
    try:
        with transaction.atomic():
            statement = BankStatement.objects.create(
                kind=kind,
                message_id=message_id[:140],
                sha256=sha256,
                file=path,
                file_name=name[:200],
                received_by=actor,
            )
    except IntegrityError:  # the same file, read at the same moment by another request
        return {**BankStatement.objects.get(sha256=sha256).result, "replay": True}
    _entries_keep(statement, rows)
    runs_paid = _apply(paid, statement, actor)
    result = {
        "statement": str(statement.pk),
        "kind": kind,
        "message_id": message_id,
        **_outcomes(rows),
        "ignored": ignored,
        "invoices_paid": sorted(p.invoice.invoice_number for p in paid),
        "runs_paid": runs_paid,
    }
    statement.result = result
    statement.save(update_fields=["result"])
    event_record(
        actor=actor,
        action="bank_statement.imported",
        subject_type="bank_statement",
        subject_id=statement.pk,
        after={"kind": kind, "message_id": message_id, "sha256": sha256},
        data={k: result[k] for k in ("matched", "unmatched", "already_confirmed", "ignored")},
    )
    return result


def _entries_judged(entries: list[Entry], actor: User) -> tuple[list[Judged], list[Payment], int]:
    """Each booked debit judged against our released runs, the payments they confirm, and how
    many entries were ignored (money received, or not booked yet)."""
    payments, runs = _payments_for([e for e in entries if e.debit and e.booked], actor)
    seen: set[int] = set()
    rows: list[Judged] = []
    paid: list[Payment] = []
    ignored = 0
    for entry in entries:
        if not entry.debit or not entry.booked:
            ignored += 1  # money received, or not booked yet: nothing of ours is confirmed
            continue
        outcome, reason, confirmed = _judge(entry, payments, runs, seen)
        seen.update(p.pk for p in confirmed)
        paid.extend(confirmed)
        rows.append((entry, outcome, reason, confirmed[0] if len(confirmed) == 1 else None))
    return rows, paid, ignored


def _entries_keep(statement: BankStatement, rows: list[Judged]) -> None:
    """Every judged entry is kept with its outcome, for AP's list of what did not match."""
    StatementEntry.objects.bulk_create(
        StatementEntry(
            statement=statement,
            reference=entry.reference[:140],
            amount=entry.amount,
            currency=entry.currency,
            booked_on=entry.booked_on,
            outcome=outcome,
            reason=reason[:300],
            payment=payment,
        )
        for entry, outcome, reason, payment in rows
    )


def _outcomes(rows: list[Judged]) -> dict[str, Any]:
    """How many entries matched or were already confirmed, and each unmatched with its reason."""
    return {
        "matched": sum(1 for _e, outcome, _r, _p in rows if outcome == Outcome.MATCHED),
        "unmatched": [
            {
                "entry": entry.reference or entry.where,
                "amount": str(entry.amount),
                "currency": entry.currency,
                "reason": reason,
            }
            for entry, outcome, reason, _p in rows
            if outcome == Outcome.UNMATCHED
        ],
        "already_confirmed": sum(1 for _e, outcome, _r, _p in rows if outcome == Outcome.ALREADY),
    }


def _apply(paid: list[Payment], statement: BankStatement, actor: User) -> list[str]:
    """The confirmed invoices become paid; a run with every invoice paid is confirmed."""
    reference = f"{statement.kind} {statement.message_id}"
    invoices = {
        i.pk: i
        for i in Invoice.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .filter(pk__in=[p.invoice_id for p in paid])
    }
    invoices_paid(
        actor=actor,
        paid=[(invoices[p.invoice_id], p.run.number, p.amount) for p in paid],
        reference=reference,
        at=timezone.now(),
    )
    runs_paid = []
    for run in {p.run.pk: p.run for p in paid}.values():
        if run.status != PaymentRun.Status.RELEASED:
            continue
        if Invoice.objects.filter(payments__run=run).exclude(status=Invoice.Status.PAID).exists():
            continue
        payment_run_confirm(actor=actor, run_id=run.pk, reference=reference)
        runs_paid.append(run.number)
    return runs_paid
