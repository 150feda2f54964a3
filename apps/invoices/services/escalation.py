"""Exception SLAs: an exception still open past its due time is escalated once.

The sweep runs per tenant on Celery beat. Whoever holds the policy's
`exception_escalation_role` and the assignee's manager are told (in-app), the assignee is
reminded, and the escalation is audited and announced (`invoice.exception_escalated`).
While the supplier is asked for a credit note the clock is the supplier's, not the team's,
so `waiting_supplier` exceptions are not escalated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.events.services import event_record_many
from apps.workflow.models import Notification
from apps.workflow.notices import notices_for

from ..advice import exception_summary_lines
from ..exception_codes import CODE_LABELS, QUEUES
from ..models import InvoiceException
from ..rules import policy_section
from ..selectors import SLA_STATES
from .announcements import exception_payload

CHUNK = 500


def _escalation_role_members(role: str) -> list[User]:
    return list(User.objects.filter(groups__name=role, is_active=True).order_by("pk"))


def exceptions_sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate every overdue exception once, a chunk per transaction (rows already taken
    by another sweep are skipped, so two sweeps never escalate the same exception twice)."""
    now = now or timezone.now()
    _version, document = policy_section()
    leads = _escalation_role_members(document["invoices"]["exception_escalation_role"])
    escalated = 0
    while True:
        with transaction.atomic():
            chunk = list(
                InvoiceException.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=SLA_STATES, escalated_at__isnull=True, due_at__lte=now)
                .select_related("invoice", "assignee__manager")
                .order_by("due_at", "pk")[:CHUNK]
            )
            if not chunk:
                return {"escalated": escalated}
            _escalate(chunk, leads, now)
            escalated += len(chunk)


def _label(code: str) -> str:
    return str(CODE_LABELS.get(code, code))


def _escalate(chunk: list[InvoiceException], leads: list[User], now: datetime) -> None:
    notices: list[Notification] = []
    audit: list[dict[str, Any]] = []
    lines: dict[str, dict[Any, str]] = {}

    def summary(exception: InvoiceException) -> str:
        """The case in a line when an advisor has one, in the language being written."""
        language = translation.get_language() or ""
        if language not in lines:
            lines[language] = exception_summary_lines(chunk)
        return lines[language].get(exception.pk, "")

    for exception in chunk:
        told = _told(exception, leads)
        notices.extend(_notices(exception, told, summary))
        audit.append(_escalation_event(exception, told))
    InvoiceException.objects.filter(pk__in=[e.pk for e in chunk]).update(escalated_at=now)
    Notification.objects.bulk_create(notices)
    event_record_many(audit)


def _told(exception: InvoiceException, leads: list[User]) -> dict[int, User]:
    """Who hears of the escalation: the escalation role and the assignee's active manager,
    never the assignee (who is reminded instead)."""
    told: dict[int, User] = {lead.pk: lead for lead in leads}
    assignee = exception.assignee
    if assignee is not None and assignee.manager is not None and assignee.manager.is_active:
        told[assignee.manager.pk] = assignee.manager
    if assignee is not None:
        told.pop(assignee.pk, None)
    return told


def _notices(
    exception: InvoiceException,
    told: dict[int, User],
    summary: Callable[[InvoiceException], str],
) -> list[Notification]:
    """The assignee's reminder, then one escalation notice to each person told, with the
    case in one line when an advisor has one (apps.invoices.advice); each in its reader's
    language."""
    invoice = exception.invoice
    subject = {"subject_type": "invoice", "subject_id": str(invoice.pk)}
    notices: list[Notification] = []
    if exception.assignee is not None:
        notices += notices_for(
            [exception.assignee],
            lambda: (
                _("Overdue: %(code)s on invoice %(number)s, assigned to you.")
                % {"code": _label(exception.code), "number": invoice.invoice_number}
            ),
            kind="invoice.exception_overdue",
            **subject,
        )

    def escalated() -> str:
        due = date_format(timezone.localtime(exception.due_at), "SHORT_DATETIME_FORMAT")
        message = _(
            "Escalated: %(code)s on invoice %(number)s (%(queue)s queue) "
            "was due %(due)s and is still open."
        ) % {
            "code": _label(exception.code),
            "number": invoice.invoice_number,
            "queue": QUEUES[exception.queue][1] if exception.queue in QUEUES else "",
            "due": due,
        }
        line = summary(exception)
        return f"{message} {line}" if line else message

    notices += notices_for(told.values(), escalated, kind="invoice.exception_escalated", **subject)
    return notices


def _escalation_event(exception: InvoiceException, told: dict[int, User]) -> dict[str, Any]:
    invoice = exception.invoice
    assignee = exception.assignee
    facts = {
        "exception": str(exception.pk),
        "code": exception.code,
        "queue": exception.queue,
        "due_at": exception.due_at,
        "assignee": assignee.email if assignee else None,
        "escalated_to": sorted(user.email for user in told.values()),
    }
    return {
        "actor": "system:sla",
        "action": "invoice.exception_escalated",
        "subject_type": "invoice",
        "subject_id": invoice.pk,
        "policy_version": exception.policy_version or None,
        "data": facts,
        "payload": {
            **exception_payload(exception, invoice.invoice_number),
            **{k: v for k, v in facts.items() if k not in ("exception", "code")},
        },
    }
