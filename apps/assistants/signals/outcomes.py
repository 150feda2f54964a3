"""What became of a behaviour score once a person resolved the review exception it raised:
"Reviewed: nothing wrong" overrides it (a false alarm), any other resolution (rejecting the
invoice, for one) follows it. Told by invoices' exception advisor registry after the
resolution committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.invoices.advice import ExceptionAdvisor, register_exception_advisor
from apps.invoices.models import InvoiceException

from ..models import Advice
from ..services import advice_outcome

ASSISTANT = "anomaly"
FALSE_ALARM = "reviewed"


def anomaly_decided(exception_id: Any, resolution: str, actor: Any) -> int:
    """Settle the score advice of the exception's invoice; returns how many were settled."""
    exception = (
        InvoiceException.objects.filter(pk=exception_id, code="behaviour_anomaly")
        .only("invoice_id")
        .first()
    )
    if exception is None:
        return 0
    settled = 0
    with transaction.atomic():
        shown = Advice.objects.filter(
            assistant=ASSISTANT,
            subject_type="invoice",
            subject_id=str(exception.invoice_id),
            status=Advice.Status.SHOWN,
        )
        for advice in shown:
            advice_outcome(
                advice,
                actor=actor,
                followed=resolution != FALSE_ALARM,
                detail={"resolution": resolution},
            )
            settled += 1
    return settled


def register() -> None:
    register_exception_advisor(
        "anomaly",
        ExceptionAdvisor(
            advice=lambda exception, user: None,
            panel_url=lambda exception: None,
            summary_lines=lambda exceptions: {},
            on_resolved=anomaly_decided,
        ),
    )
