"""A leaver's exceptions go back to their queue, unassigned, for the team that works it to pick
up (registered with accounts in InvoicesConfig.ready); each is audited."""

from __future__ import annotations

from apps.accounts.leavers import Leaver
from apps.events.services import event_record

from .models import InvoiceException


def exceptions_unassign(leaver: Leaver) -> dict[str, int]:
    exceptions = list(
        InvoiceException.objects.select_for_update()
        .filter(assignee=leaver.user)
        .exclude(status=InvoiceException.Status.RESOLVED)
        .order_by("created_at")
    )
    for exception in exceptions:
        exception.assignee = None
        exception.save(update_fields=["assignee"])
        event_record(
            actor=leaver.actor,
            action="invoice.exception_unassigned",
            subject_type="invoice",
            subject_id=exception.invoice_id,
            data={
                "exception": exception.pk,
                "code": exception.code,
                "queue": exception.queue,
                "from": leaver.user.email,
                "reason": leaver.reason[:300],
            },
        )
    return {"exceptions": len(exceptions)}
