"""The monthly control report: approvals inside and outside policy, overrides with reasons,
SoD conflicts prevented, exceptions by category with aging, duplicates caught and their value,
late payments, suppliers non-compliant or blocked, and the user access review; as a PDF and a
CSV, e-mailed to tenant admins and auditors and kept with its history on /audit/.

One report per tenant and month: the beat job runs daily-safe (a repeated run finds the
month's report and does nothing)."""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import structlog
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from apps.accounts.language import mail_in_their_languages
from apps.accounts.models import User
from apps.accounts.roles import AUDITOR, TENANT_ADMIN
from apps.audit.models import AuditEvent
from apps.audit.selectors import period_bounds
from apps.controls.csvfiles import CsvWriter
from apps.controls.guards import require
from apps.events.services import event_record
from apps.organization.money import money_text

from .access_review import access_review, conflict_in_words
from .models import ComplianceReport
from .subjects import subject_refs

log = structlog.get_logger("spendgate.audit")
OVERRIDES = {"override", "release_duplicate"}


def previous_month(now: datetime) -> tuple[date, date]:
    first = timezone.localtime(now).date().replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), last


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def compliance_figures(start: date, end: date) -> dict[str, Any]:
    from apps.invoices.models import Invoice, InvoiceException
    from apps.suppliers.models import Supplier, SupplierDocument
    from apps.workflow.models import ApprovalTask

    low, high = period_bounds(start, end)
    decided = ApprovalTask.objects.filter(decided_at__range=(low, high))
    approved_on_routes = decided.filter(status="approved").count()
    auto = AuditEvent.objects.filter(
        at__range=(low, high), action__endswith=".approved", actor="system:policy"
    ).count()
    resolved = list(
        InvoiceException.objects.filter(resolved_at__range=(low, high)).select_related(
            "invoice", "resolved_by"
        )
    )
    overrides = [e for e in resolved if e.resolution in OVERRIDES]
    refusals = list(
        AuditEvent.objects.filter(at__range=(low, high))
        .filter(Q(action__endswith="_refused") | Q(data__code="sod_violation"))
        .order_by("id")
    )
    open_at_end = InvoiceException.objects.filter(created_at__lte=high).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=high)
    )
    aging: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": 0, "age_days": 0.0})
    for exception in open_at_end.only("category", "created_at"):
        row = aging[exception.category]
        row["open"] += 1
        row["age_days"] += _days(high - exception.created_at)
    for row in aging.values():
        row["age_days"] = round(row["age_days"] / row["open"], 1)
    by_category: dict[str, int] = defaultdict(int)
    for exception in resolved:
        by_category[exception.category] += 1
    duplicates = InvoiceException.objects.filter(
        code="duplicate_suspected", created_at__range=(low, high)
    ).select_related("invoice")
    duplicate_value: dict[str, Decimal] = defaultdict(Decimal)
    for d in duplicates:
        duplicate_value[d.invoice.currency] += d.invoice.total
    paid = Invoice.objects.filter(paid_at__range=(low, high), due_date__isnull=False)
    late_paid = [
        i
        for i in paid
        if i.due_date and i.paid_at and timezone.localtime(i.paid_at).date() > i.due_date
    ]
    overdue = Invoice.objects.filter(
        status=Invoice.Status.APPROVED, due_date__lt=end, paid_at__isnull=True
    ).count()
    blocked = list(
        Supplier.objects.filter(status=Supplier.Status.BLOCKED).values_list("name", flat=True)
    )
    expired = sorted(
        set(
            SupplierDocument.objects.filter(
                status=SupplierDocument.Status.CURRENT, expires_on__lt=end
            ).values_list("supplier__name", flat=True)
        )
    )
    review = access_review()
    return {
        "period": [start.isoformat(), end.isoformat()],
        "approvals": {
            "inside_policy": approved_on_routes + auto,
            "by_route": approved_on_routes,
            "automatic": auto,
            "rejected": decided.filter(status="rejected").count(),
            "outside_policy": len(overrides),
        },
        "overrides": [
            {
                "invoice": e.invoice.invoice_number,
                "code": e.code,
                "resolution": e.resolution,
                "by": e.resolved_by.email if e.resolved_by else "",
                "reason": e.resolution_comment,
            }
            for e in overrides
        ],
        "sod_refusals": [
            {
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "subject_type": r.subject_type,
                "subject": r.subject_id,
            }
            for r in refusals
        ],
        "exceptions": {
            "resolved_by_category": dict(sorted(by_category.items())),
            "open_at_end": {k: dict(v) for k, v in sorted(aging.items())},
        },
        "duplicates": {
            "count": len(duplicates),
            "value": {cur: str(v) for cur, v in sorted(duplicate_value.items())},
        },
        "late_payments": {"paid_late": len(late_paid), "approved_overdue_unpaid": overdue},
        "suppliers": {"blocked": blocked, "documents_expired": expired},
        "access_review": {
            "users": len(review),
            "conflicts": [
                {"email": row.email, "roles": row.roles, "conflicts": row.conflicts}
                for row in review
                if row.conflicts
            ],
        },
    }


def figures_in_words(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures as the report's reader reads them, in the active language: capabilities and
    roles by their labels, refused actions' records by their numbers, times as times, money
    in its currency's minor units. The stored figures and the CSV keep the codes."""
    refusals = figures["sod_refusals"]
    named = subject_refs(
        SimpleNamespace(subject_type=r.get("subject_type", ""), subject_id=r["subject"])
        for r in refusals
    )
    review = figures["access_review"]
    return {
        **figures,
        "sod_refusals": [
            {
                **r,
                "at": parse_datetime(r["at"]),
                # a subject named by its id (policy v3) is shown as it is
                "subject": named.get(
                    (r.get("subject_type", ""), str(r["subject"])), (r["subject"],)
                )[0],
            }
            for r in refusals
        ],
        "duplicates": {
            **figures["duplicates"],
            "value": [money_text(v, cur) for cur, v in figures["duplicates"]["value"].items()],
        },
        "access_review": {
            **review,
            "conflicts": [
                {**row, "conflicts": [conflict_in_words(c) for c in row["conflicts"]]}
                for row in review["conflicts"]
            ],
        },
    }


def figures_csv(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["section", "item", "value"])
    for key, value in figures["approvals"].items():
        writer.writerow(["approvals", key, value])
    for row in figures["overrides"]:
        writer.writerow(
            ["override", f"{row['invoice']} {row['code']}", f"{row['by']}: {row['reason']}"]
        )
    for row in figures["sod_refusals"]:
        writer.writerow(["sod_refusal", row["action"], f"{row['actor']} {row['at']}"])
    for category, count in figures["exceptions"]["resolved_by_category"].items():
        writer.writerow(["exceptions_resolved", category, count])
    for category, row in figures["exceptions"]["open_at_end"].items():
        writer.writerow(
            ["exceptions_open", category, f"{row['open']} (avg {row['age_days']} days)"]
        )
    writer.writerow(["duplicates", "count", figures["duplicates"]["count"]])
    for currency, value in figures["duplicates"]["value"].items():
        writer.writerow(["duplicates", f"value {currency}", value])
    for key, value in figures["late_payments"].items():
        writer.writerow(["late_payments", key, value])
    for name in figures["suppliers"]["blocked"]:
        writer.writerow(["supplier_blocked", name, ""])
    for name in figures["suppliers"]["documents_expired"]:
        writer.writerow(["supplier_documents_expired", name, ""])
    for row in figures["access_review"]["conflicts"]:
        writer.writerow(["access_conflict", row["email"], "; ".join(row["conflicts"])])
    return out.getvalue()


def _store(name: str, data: bytes) -> tuple[str, str]:
    return default_storage.save(name, ContentFile(data)), hashlib.sha256(data).hexdigest()


def compliance_report_generate(
    *,
    start: date,
    end: date,
    trigger: str,
    actor: User | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> ComplianceReport | None:
    """Build, keep and send one report. A monthly report already made for the period is not
    made again (None)."""
    from weasyprint import HTML

    require(actor, "accounts.view_audit")

    if (
        trigger == "monthly"
        and ComplianceReport.objects.filter(
            trigger="monthly", period_start=start, period_end=end
        ).exists()
    ):
        return None
    tenant = getattr(connection, "tenant", None)
    figures = compliance_figures(start, end)
    html = render_to_string(
        "audit/compliance_report.html",
        {
            "f": figures_in_words(figures),
            "start": start,
            "end": end,
            "tenant": tenant,
            "portal_name": getattr(tenant, "portal_name", "") or "Spendgate",
            "generated_at": now or timezone.now(),
        },
    )
    pdf = HTML(string=html).write_pdf()
    text = figures_csv(figures).encode()
    stamp = f"{start:%Y-%m}-{timezone.now():%Y%m%d%H%M%S%f}"
    pdf_path, pdf_sha = _store(f"reports/controls-{stamp}.pdf", pdf)
    csv_path, csv_sha = _store(f"reports/controls-{stamp}.csv", text)
    readers = list(
        User.objects.filter(groups__name__in=[TENANT_ADMIN, AUDITOR], is_active=True).distinct()
    )
    recipients = sorted({reader.email for reader in readers})
    try:
        with transaction.atomic():
            report = ComplianceReport.objects.create(
                period_start=start,
                period_end=end,
                trigger=trigger,
                requested_by=actor,
                figures=figures,
                pdf_file=pdf_path,
                pdf_sha256=pdf_sha,
                csv_file=csv_path,
                csv_sha256=csv_sha,
                emailed_to=recipients if notify else [],
            )
            event_record(
                actor=actor or "system:reports",
                action="compliance_report.generated",
                subject_type="compliance_report",
                subject_id=report.pk,
                data={"period": figures["period"], "pdf_sha256": pdf_sha, "csv_sha256": csv_sha},
            )
    except IntegrityError:  # another worker made this month's report meanwhile
        default_storage.delete(pdf_path)
        default_storage.delete(csv_path)
        return None
    if recipients and notify:
        name = getattr(tenant, "portal_name", "") or "Spendgate"

        def compose() -> tuple[str, str]:  # in each reader's language
            subject = _("[%(name)s] Control report %(a)s to %(b)s") % {
                "name": name,
                "a": start,
                "b": end,
            }
            body = _(
                "The control report for %(a)s to %(b)s is attached (PDF and CSV) "
                "and kept on /audit/."
            ) % {"a": start, "b": end}
            return subject, body

        def send(subject: str, body: str, to: list[str]) -> None:
            message = EmailMessage(subject, body, to=to)
            message.attach(f"controls-{start:%Y-%m}.pdf", pdf, "application/pdf")
            message.attach(f"controls-{start:%Y-%m}.csv", text.decode(), "text/csv")
            message.send()

        try:
            mail_in_their_languages(readers, compose, send)
        except Exception:  # kept on /audit/ either way
            log.exception("compliance_report_mail_failed", report=str(report.pk))
    return report


def monthly_compliance_report(
    *, now: datetime | None = None, notify: bool = True
) -> ComplianceReport | None:
    """What beat runs per tenant: last month's report, once."""
    start, end = previous_month(now or timezone.now())
    return compliance_report_generate(
        start=start, end=end, trigger="monthly", now=now, notify=notify
    )
