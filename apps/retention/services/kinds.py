"""One small function per kind of record the purge deletes, run in this order by
`retention_purge` (payment evidence before invoices: an invoice is kept while the evidence of
its payment is). Each deletes what has passed its period and is held by nothing, records in
its tally what it deleted and kept back, and returns the cutoff it used."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db.models import Q

from apps.inbox.models import MailMessage, ReadingDraft
from apps.integrations.models import ServiceAccount
from apps.invoices.models import Invoice
from apps.payments.models import BankStatement, ErpPayment, Payment, PaymentRun, StatementEntry
from apps.suppliers.models import Supplier, SupplierDocument

from ..selectors import Holds, Periods
from .tally import Tally

HOLD = "legal_hold"


def _invoice_held(holds: Holds, row: Mapping[str, Any]) -> bool:
    return (
        row["id"] in holds.invoices
        or row.get("credited_invoice_id") in holds.invoices
        or row["supplier_id"] in holds.suppliers
        or holds.date_held(row["invoice_date"], row["purchase_order__legal_entity_id"])
    )


def _held_runs(holds: Holds, run_ids: Iterable[Any]) -> set[Any]:
    """The payment runs a hold keeps: one paying a held invoice or a held supplier, or
    executed inside a held period."""
    run_ids = list(run_ids)
    if not run_ids or not (holds.invoices or holds.suppliers or holds.periods):
        return set()
    held = {
        run["id"]
        for run in PaymentRun.objects.filter(pk__in=run_ids).values(
            "id", "execution_date", "legal_entity_id"
        )
        if holds.date_held(run["execution_date"], run["legal_entity_id"])
    }
    for payment in Payment.objects.filter(run_id__in=run_ids).values(
        "run_id",
        "invoice_id",
        "invoice__supplier_id",
        "invoice__invoice_date",
        "invoice__purchase_order__legal_entity_id",
    ):
        invoice = {
            "id": payment["invoice_id"],
            "supplier_id": payment["invoice__supplier_id"],
            "invoice_date": payment["invoice__invoice_date"],
            "purchase_order__legal_entity_id": payment["invoice__purchase_order__legal_entity_id"],
        }
        if _invoice_held(holds, invoice):
            held.add(payment["run_id"])
    return held


def purge_payment_evidence(periods: Periods, holds: Holds, tally: Tally) -> dict[str, str]:
    """Bank statements (camt), then payment runs with their payments and pain.001 files. A
    statement belongs to the legal entity of the runs it matched (a paying account is one
    entity's); a run is kept while a kept statement still confirms one of its payments."""
    kind = "payment_evidence"
    latest = periods.latest_cutoff(kind)
    matched: dict[Any, tuple[Any, set[Any]]] = {}
    for statement_id, entity_id, run_id in StatementEntry.objects.filter(
        statement__created_at__date__lt=latest, payment__isnull=False
    ).values_list("statement_id", "payment__run__legal_entity_id", "payment__run_id"):
        _entity, confirmed = matched.setdefault(statement_id, (entity_id, set()))
        confirmed.add(run_id)
    statements = BankStatement.objects.filter(created_at__date__lt=latest).values(
        "id", "created_at", "file"
    )
    expired = []
    for statement in statements:
        entity_id, confirmed_runs = matched.get(statement["id"], (None, set()))
        if statement["created_at"].date() < periods.cutoff(kind, entity_id):
            expired.append((statement, entity_id, confirmed_runs))
    held_runs = _held_runs(holds, {run for _s, _e, ran in expired for run in ran})
    go = []
    for statement, entity_id, ran in expired:
        if holds.date_held(statement["created_at"].date(), entity_id) or ran & held_runs:
            tally.hold(HOLD)
        else:
            go.append(statement["id"])
            if statement["file"]:
                tally.files.append(statement["file"])
    tally.delete_roots(BankStatement, go, refused="still_referenced")

    runs = [
        run
        for run in PaymentRun.objects.filter(execution_date__lt=latest).values(
            "id", "execution_date", "legal_entity_id"
        )
        if run["execution_date"] < periods.cutoff(kind, run["legal_entity_id"])
    ]
    held_runs = _held_runs(holds, [run["id"] for run in runs])
    candidates = [run["id"] for run in runs if run["id"] not in held_runs]
    tally.hold(HOLD, len(runs) - len(candidates))
    confirmed = set(
        StatementEntry.objects.filter(payment__run_id__in=candidates).values_list(
            "payment__run_id", flat=True
        )
    )
    tally.hold("bank_statement_kept", len(confirmed))
    tally.delete_roots(
        PaymentRun, [r for r in candidates if r not in confirmed], refused="still_referenced"
    )
    return periods.cutoffs(kind)


def purge_invoices(periods: Periods, holds: Holds, tally: Tally) -> dict[str, str]:
    """Invoices and credit notes with their lines, match results, exceptions and comments,
    credit-note requests, the ERP's payment reports and the reading drafts filed as them. An
    invoice is kept while its payment evidence is, and an original while a kept credit note
    corrects it."""
    kind = "invoices"
    rows = [
        row
        for row in Invoice.objects.filter(invoice_date__lt=periods.latest_cutoff(kind)).values(
            "id",
            "kind",
            "supplier_id",
            "invoice_date",
            "credited_invoice_id",
            "purchase_order__legal_entity_id",
            "file",
        )
        if row["invoice_date"] < periods.cutoff(kind, row["purchase_order__legal_entity_id"])
    ]
    candidates = {}
    for row in rows:
        if _invoice_held(holds, row):
            tally.hold(HOLD)
        else:
            candidates[row["id"]] = row
    paid = set(
        Payment.objects.filter(invoice_id__in=list(candidates)).values_list("invoice_id", flat=True)
    )
    for invoice_id in paid:
        candidates.pop(invoice_id)
    tally.hold("payment_evidence_kept", len(paid))
    while True:  # an original stays while a credit note of it stays
        corrected = set(
            Invoice.objects.filter(credited_invoice_id__in=list(candidates))
            .exclude(pk__in=list(candidates))
            .values_list("credited_invoice_id", flat=True)
        )
        if not corrected:
            break
        for invoice_id in corrected:
            candidates.pop(invoice_id)
        tally.hold("credit_note_kept", len(corrected))
    ids = list(candidates)
    tally.delete(ErpPayment.objects.filter(invoice_id__in=ids))
    tally.delete(ReadingDraft.objects.filter(invoice_id__in=ids))
    credit_notes = [pk for pk in ids if candidates[pk]["kind"] == Invoice.Kind.CREDIT_NOTE]
    gone = tally.delete_roots(Invoice, credit_notes, refused="still_referenced")
    gone += tally.delete_roots(
        Invoice, [pk for pk in ids if pk not in set(credit_notes)], refused="still_referenced"
    )
    tally.files.extend(candidates[pk]["file"] for pk in gone if candidates[pk]["file"])
    return periods.cutoffs(kind)


def purge_mail_quarantine(periods: Periods, holds: Holds, tally: Tally) -> dict[str, str]:
    """Invoice mail that waited in quarantine or was discarded, with its reading drafts; a mail
    a draft of which was filed as an invoice is kept with that invoice."""
    since = periods.since("mail_quarantine")
    mails = MailMessage.objects.filter(
        status__in=[MailMessage.Status.QUARANTINED, MailMessage.Status.DISCARDED],
        received_at__lt=since,
    ).values("id", "supplier_id", "received_at", "file")
    filed = set(
        ReadingDraft.objects.filter(
            mail__in=[m["id"] for m in mails], invoice__isnull=False
        ).values_list("mail_id", flat=True)
    )
    go = []
    for mail in mails:
        if mail["supplier_id"] in holds.suppliers or holds.date_held(
            mail["received_at"].date(), None
        ):
            tally.hold(HOLD)
        elif mail["id"] in filed:
            tally.hold("invoice_kept")
        else:
            go.append(mail["id"])
    drafts = ReadingDraft.objects.filter(mail_id__in=go)
    tally.files.extend(f for f in drafts.values_list("file", flat=True) if f)
    tally.delete(drafts)
    gone = set(tally.delete_roots(MailMessage, go, refused="still_referenced"))
    tally.files.extend(m["file"] for m in mails if m["id"] in gone and m["file"])
    return {"*": since.isoformat()}


def purge_rejected_supplier_applications(
    periods: Periods, holds: Holds, tally: Tally
) -> dict[str, str]:
    """Suppliers whose onboarding was rejected, with their contacts, addresses, documents, bank
    details and checks. One that anything still refers to (an order, a contract, a mail) stays."""
    since = periods.since("rejected_supplier_applications")
    go = []
    for supplier in Supplier.objects.filter(
        status=Supplier.Status.REJECTED, decided_at__lt=since
    ).values("id", "decided_at"):
        decided = supplier["decided_at"]
        if supplier["id"] in holds.suppliers or holds.date_held(
            decided.date() if decided else None, None
        ):
            tally.hold(HOLD)
        else:
            go.append(supplier["id"])
    files = dict(
        SupplierDocument.objects.filter(supplier_id__in=go).values_list("supplier_id", "file")
    )
    gone = tally.delete_roots(Supplier, go, refused="still_referenced")
    tally.files.extend(files[pk] for pk in gone if files.get(pk))
    return {"*": since.isoformat()}


def purge_sessions_and_tokens(periods: Periods, holds: Holds, tally: Tally) -> dict[str, str]:
    """Sessions expired, API tokens of people deactivated, and service-account keys expired or
    revoked, each longer ago than the period. Not business records: no hold applies."""
    since = periods.since("sessions_and_tokens")
    tally.delete(Session.objects.filter(expire_date__lt=since))
    # DRF's token model, by name: the domain imports nothing of the HTTP framework
    token = apps.get_model("authtoken", "Token")
    tally.delete(token.objects.filter(user__is_active=False, created__lt=since))
    ended = ServiceAccount.objects.filter(Q(revoked_at__lt=since) | Q(expires_at__lt=since))
    tally.ids.extend(str(pk) for pk in ended.values_list("pk", flat=True))
    tally.delete(ended)
    cleared = (
        ServiceAccount.objects.filter(previous_key_until__lt=since)
        .exclude(previous_key_digest="")
        .update(previous_key_digest="")
    )
    if cleared:
        tally.deleted["integrations.ServiceAccount.previous_key"] += cleared
    return {"*": since.isoformat()}


PURGES: list[tuple[str, Callable[[Periods, Holds, Tally], dict[str, str]]]] = [
    ("payment_evidence", purge_payment_evidence),
    ("invoices", purge_invoices),
    ("mail_quarantine", purge_mail_quarantine),
    ("rejected_supplier_applications", purge_rejected_supplier_applications),
    ("sessions_and_tokens", purge_sessions_and_tokens),
]
KIND_NAMES = [kind for kind, _purge in PURGES]
