"""The files both doors serve (pages and API): an invoice's original, and a released payment
run's pain.001 or CSV, always as attachments."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse

from apps.controls.refusals import NotFound

from .models import Invoice, PaymentRun
from .services.payments import payment_run_csv


def original_file(invoice: Invoice) -> FileResponse:
    if not invoice.file:
        raise NotFound("This invoice was entered as data; it has no original file.")
    response = FileResponse(
        default_storage.open(invoice.file, "rb"),
        as_attachment=True,
        filename=invoice.file_name or "invoice",
        content_type=invoice.file_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
