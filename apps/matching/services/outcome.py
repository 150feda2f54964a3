"""The outcome of matching: `invoices_match` applies a matched batch (line results,
exceptions raised or cleared, each invoice's next status) in bulk; an invoice above the
policy's amount goes to an approval route (services.approval)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.controls.transitions import move_status_where
from apps.events.services import event_record_many
from apps.invoices.exception_codes import CODES, MATCH_CODES, REVIEW_CODES
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.rules import policy_section
from apps.invoices.services.announcements import exceptions_raised
from apps.invoices.services.exceptions import exception_due, exceptions_for, exceptions_insert
from apps.invoices.tolerances import Finding
from apps.procurement.services.contract_spend import contract_spend_invoiced
from apps.suppliers.models import Supplier

from ..contract_price import contract_price_findings
from ..credit_notes import credit_note_findings
from ..header import header_only_findings
from ..lines import load_batch, match_batch
from .approval import invoice_route_start


@transaction.atomic
def invoices_match(*, invoice_ids: list[Any], actor: Any = "system:matching") -> dict[str, int]:
    """Match a batch set-based and move each invoice on: exception, pending approval or
    approved (touchless when nobody had to act). Each invoice's `invoice.matched` event
    announces its approval and the exceptions it raised or cleared (docs/events.md)."""
    batch = load_batch(invoice_ids)
    if not batch["invoices"]:
        return {"matched": 0}
    version, document = policy_section()
    section = document["invoices"]
    found = _batch_findings(batch, section, version.label)
    outcome = _BatchOutcome.of(batch, found, section, label=version.label, actor=actor)
    for invoice in batch["invoices"]:  # in the order they were received
        outcome.decide(invoice)
    # the trail's events are hashed on a worker thread while PostgreSQL applies the outcome
    event_record_many(outcome.events, meanwhile=outcome.apply)
    approved = set(outcome.by_status[Invoice.Status.APPROVED])
    contract_spend_invoiced(
        invoices=[
            (i["purchase_order_id"], i["currency"], i["lines_total"])
            for i in batch["invoices"]
            if i["id"] in approved and i["kind"] == Invoice.Kind.INVOICE
        ]
    )
    for invoice_id in outcome.by_status[Invoice.Status.PENDING_APPROVAL]:
        invoice_route_start(invoice_id, version, document)
    counts = {str(status): len(ids) for status, ids in outcome.by_status.items() if ids}
    return {"matched": len(batch["invoices"]), **counts}


def _batch_findings(
    batch: dict[str, Any], section: dict[str, Any], label: str
) -> dict[Any, list[Finding]]:
    """Each batch invoice's findings: its lines against the order and goods received, the
    header of an invoice without order lines, contract prices, and a credit note's ties."""
    found = match_batch(section, label)
    header_only = [i["id"] for i in batch["invoices"] if i["header_only"]]
    if header_only:
        found.update(header_only_findings(header_only, section))
    contract_price_findings(found, section)
    credit_note_findings(batch["invoices"], found, label)
    return found


@dataclass
class _BatchOutcome:
    """What matching decides for a batch, invoice by invoice: each one's status, the
    exceptions it raises and clears, its `invoice.matched` event and what that announces."""

    found: dict[Any, list[Finding]]
    open_by_invoice: dict[Any, list[dict[str, Any]]]
    raised_before: set[Any]
    suppliers: dict[Any, str]
    label: str
    actor: Any
    now: datetime
    due: datetime
    approval_above: Decimal | None
    new_exceptions: list[InvoiceException] = field(default_factory=list)
    cleared: list[Any] = field(default_factory=list)
    by_status: dict[str, list[Any]] = field(
        default_factory=lambda: {status: [] for status in Invoice.Status.values}
    )
    touched: list[Any] = field(default_factory=list)  # approved, but somebody acted or raised
    events: list[dict[str, Any]] = field(default_factory=list)
    # what most invoices' events share is one object each, which the trail serialises once
    after_of: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {status: {"status": status} for status in Invoice.Status.values}
    )
    clean: dict[str, Any] = field(default_factory=lambda: {"raised": [], "cleared": 0})

    @classmethod
    def of(
        cls,
        batch: dict[str, Any],
        found: dict[Any, list[Finding]],
        section: dict[str, Any],
        *,
        label: str,
        actor: Any,
    ) -> _BatchOutcome:
        open_by_invoice: dict[Any, list[dict[str, Any]]] = {}
        raised_before: set[Any] = set()
        for row in batch["exceptions"]:
            raised_before.add(row["invoice_id"])
            # a review signal is looked at beside the flow: it holds nothing
            if (
                row["status"] != InvoiceException.Status.RESOLVED
                and row["code"] not in REVIEW_CODES
            ):
                open_by_invoice.setdefault(row["invoice_id"], []).append(row)
        suppliers = dict(
            Supplier.objects.filter(
                pk__in={i["supplier_id"] for i in batch["invoices"]}
            ).values_list("pk", "name")
        )
        now = timezone.now()
        above = section["approval_above"]
        return cls(
            found,
            open_by_invoice,
            raised_before,
            suppliers,
            label,
            actor,
            now=now,
            due=exception_due(now, section),
            approval_above=None if above is None else Decimal(str(above)),
        )

    def decide(self, invoice: dict[str, Any]) -> None:
        invoice_id = invoice["id"]
        findings = self.found.get(invoice_id, [])
        still_open = self.open_by_invoice.get(invoice_id, [])
        raised, cleared_here = self._raised_and_cleared(findings, still_open)
        new = exceptions_for(invoice_id, raised, policy=self.label, due=self.due) if raised else []
        self.new_exceptions.extend(new)
        status = self._status(invoice, held=bool(raised) or len(still_open) > len(cleared_here))
        self.by_status[status].append(invoice_id)
        key = str(invoice_id)  # the event's subject and its payload's id, made text once
        event = self._matched_event(key, status, raised, cleared_here)
        announce = self._announcements(invoice, key, status, new, cleared_here)
        if announce:
            event["announce"] = announce
        self.events.append(event)

    def _raised_and_cleared(
        self, findings: list[Finding], still_open: list[dict[str, Any]]
    ) -> tuple[list[Finding], list[dict[str, Any]]]:
        """The findings not already open, and the open match exceptions no longer found."""
        if not still_open:
            return findings, []
        cleared_here: list[dict[str, Any]] = []
        found_keys = {(f.code, f.line_id) for f in findings}
        for row in still_open:
            if row["code"] in MATCH_CODES and (row["code"], row["line_id"]) not in found_keys:
                self.cleared.append(row["id"])
                cleared_here.append(row)
        existing = {(row["code"], row["line_id"]) for row in still_open}
        return [f for f in findings if (f.code, f.line_id) not in existing], cleared_here

    def _status(self, invoice: dict[str, Any], *, held: bool) -> str:
        if held:
            return Invoice.Status.EXCEPTION
        if (
            invoice["kind"] == Invoice.Kind.INVOICE
            and self.approval_above is not None
            and invoice["lines_total"] > self.approval_above
        ):
            return Invoice.Status.PENDING_APPROVAL
        return Invoice.Status.APPROVED

    def _matched_event(
        self, key: str, status: str, raised: list[Finding], cleared_here: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "action": "invoice.matched",
            "subject_type": "invoice",
            "subject_id": key,
            "policy_version": self.label,
            "after": self.after_of[status],
            "data": {
                "raised": [
                    {"code": f.code, "line": f.line_id, "variance": f.amount, "detail": f.detail}
                    for f in raised
                ],
                "cleared": len(cleared_here),
            }
            if raised or cleared_here
            else self.clean,
        }

    def _announcements(
        self,
        invoice: dict[str, Any],
        key: str,
        status: str,
        new: list[InvoiceException],
        cleared_here: list[dict[str, Any]],
    ) -> list[tuple[str, dict[str, Any]]]:
        invoice_id, number = invoice["id"], invoice["invoice_number"]
        announce: list[tuple[str, dict[str, Any]]] = []
        if status == Invoice.Status.APPROVED:
            announce.append(("invoice.approved", self._approved_payload(invoice, key)))
        if new:
            announce.extend(exceptions_raised(new, {invoice_id: number}))
        for row in cleared_here:
            announce.append(
                (
                    "invoice.exception_resolved",
                    {
                        "id": invoice_id,
                        "number": number,
                        "exception": row["id"],
                        "code": row["code"],
                        "category": CODES[row["code"]][0],
                        "resolution": "cleared_by_rematch",
                    },
                )
            )
        return announce

    def _approved_payload(self, invoice: dict[str, Any], key: str) -> dict[str, Any]:
        invoice_id = invoice["id"]
        # touchless: nobody acted and nothing was ever raised on it (before or now)
        was_touched = invoice["touched"] or invoice_id in self.raised_before
        if was_touched:
            self.touched.append(invoice_id)
        payload = {  # as text already: thousands per batch
            "id": key,
            "number": invoice["invoice_number"],
            "supplier": str(invoice["supplier_id"]),
            "supplier_name": self.suppliers.get(invoice["supplier_id"], ""),
            "total": str(invoice["total"]),
            "currency": invoice["currency"],
            "touchless": not was_touched,
            # what an ERP needs to post it: thousands of a batch's events would carry it, so
            # the dispatcher fills it in when it takes them (apps.events.completion)
            "posting": None,
        }
        return payload

    def apply(self) -> None:
        # the status UPDATE first: it is mostly a wait on PostgreSQL, which the hashing
        # thread has the processor for; the exceptions are more Python work than waiting
        _write_outcome(
            self.now,
            held=self.by_status[Invoice.Status.EXCEPTION],
            pending=self.by_status[Invoice.Status.PENDING_APPROVAL],
            touched=self.touched,
        )
        exceptions_insert(self.new_exceptions, self.now)
        if self.cleared:
            move_status_where(
                InvoiceException.objects.filter(pk__in=self.cleared),
                InvoiceException.Status.RESOLVED,
                resolution="cleared_by_rematch",
                resolved_at=self.now,
            )


def _write_outcome(now: Any, *, held: list[Any], pending: list[Any], touched: list[Any]) -> None:
    """Each batch invoice's new status by one UPDATE: held in exception, or approved (touchless
    unless touched); an invoice going to an approval route keeps its status for the route to
    move. Every one is stamped `matched_at`, which tells the next match that its line results
    exist. Only the ids that differ from "approved, touchless" are sent, as binary arrays
    (%b); the batch's ids are in its temporary table already. It is the set-based form of
    Invoice.TRANSITIONS' received → approved | exception, written in SQL for the batch's
    sake: only rows still `received` move."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE invoices_invoice AS i SET
                status = CASE WHEN p.id IS NOT NULL THEN i.status
                    WHEN h.id IS NULL THEN %(approved)s ELSE %(exception)s END,
                matched_at = %(now)s,
                approved_at = CASE WHEN p.id IS NULL AND h.id IS NULL THEN %(now)s
                    ELSE i.approved_at END,
                touchless = i.touchless OR (p.id IS NULL AND h.id IS NULL AND t.id IS NULL)
            FROM invoice_match_batch AS b
                LEFT JOIN unnest(%(held)b::uuid[]) AS h(id) ON h.id = b.id
                LEFT JOIN unnest(%(touched)b::uuid[]) AS t(id) ON t.id = b.id
                LEFT JOIN unnest(%(pending)b::uuid[]) AS p(id) ON p.id = b.id
            WHERE i.id = b.id AND i.status = %(received)s
            """,
            {
                "now": now,
                "held": held,
                "touched": touched,
                "pending": pending,
                "approved": Invoice.Status.APPROVED,
                "exception": Invoice.Status.EXCEPTION,
                "received": Invoice.Status.RECEIVED,
            },
        )
