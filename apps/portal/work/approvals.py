"""What waits for an approver: the value waiting for their decision per currency, and the
oldest tasks with the business number, title and amount of what they decide."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.models import User
from apps.assurance.subjects import valid_ids
from apps.contracts.models import Contract
from apps.invoices.models import Invoice
from apps.procurement.models import Requisition
from apps.workflow.models import ApprovalTask
from apps.workflow.services import subject_summaries

from .desk import SHOWN, Group, Row, per_currency, waited

# subjects that carry money: their amounts add up to the value waiting
_VALUED: dict[str, tuple[Any, str]] = {
    "requisition": (Requisition, "total"),
    "invoice": (Invoice, "total"),
    "contract": (Contract, "value_cap"),
}


def _late(task: ApprovalTask, now: datetime) -> bool:
    step = task.step
    return step.escalated_at is not None or (step.due_at is not None and step.due_at < now)


def _row(task: ApprovalTask, summary: dict[str, object], now: datetime) -> Row:
    number = str(summary.get("number") or "")
    title = str(summary.get("title") or "")
    if task.subject_type == "requisition":
        url = f"/requisitions/{task.subject_id}/"
    else:
        url = str(summary.get("url") or "/tasks/")
    amount = summary.get("total", summary.get("amount"))
    late = _late(task, now)
    return Row(
        ref=number or title,
        title=title if number else "",
        url=url,
        amount=str(amount) if amount is not None else None,
        currency=str(summary.get("currency") or ""),
        when=waited(task.step.opened_at or task.created_at, now),
        late=late,
        note=_("overdue") if late else "",
    )


def approvals(user: User) -> list[Group]:
    now = timezone.now()
    tasks = list(
        ApprovalTask.objects.filter(assignee=user, status=ApprovalTask.Status.OPEN)
        .select_related("step")
        .order_by("created_at")
    )
    if not tasks:
        return []
    totals: list[dict[str, object]] = []
    for subject_type, (model, amount) in _VALUED.items():
        ids = {t.subject_id for t in tasks if t.subject_type == subject_type}
        if ids:
            totals.extend(
                model._default_manager.filter(pk__in=valid_ids(model, ids))
                .values("currency")
                .annotate(total=Sum(amount))
                .order_by()
            )
    # overdue first, then the longest waiting (since its step opened, escalated or not)
    tasks.sort(key=lambda t: (not _late(t, now), t.step.opened_at or t.created_at))
    oldest = tasks[:SHOWN]
    summaries = subject_summaries(oldest)
    urgent = sum(1 for t in tasks if _late(t, now))
    return [
        Group(
            "tasks",
            ngettext(
                "%(n)d approval waiting for you", "%(n)d approvals waiting for you", len(tasks)
            )
            % {"n": len(tasks)},
            len(tasks),
            "/tasks/",
            columns=(_("What"), _("Amount"), _("Waiting")),
            totals=per_currency(totals),
            rows=[_row(t, summaries.get((t.subject_type, t.subject_id), {}), now) for t in oldest],
            urgent=urgent,
            urgent_label=_("overdue or escalated"),
        )
    ]
