"""The files both doors serve (pages and API): a released payment run's pain.001 or CSV,
always as attachments."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from .models import PaymentRun
from .services.runs import payment_run_csv


def run_file(run: PaymentRun, kind: str) -> HttpResponse:
    """A released run's pain.001 file, or the run as CSV, as an attachment."""
    if kind == "pain001":
        if not run.pain001:
            raise Http404("The run is not released yet.")
        response = HttpResponse(run.pain001, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{run.number}.pain.001.xml"'
        return response
    response = HttpResponse(payment_run_csv(run), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{run.number}.csv"'
    return response
