"""The file both doors serve (pages and API): an invoice's original, always as an attachment."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _

from apps.controls.refusals import NotFound

from .models import Invoice


def original_file(invoice: Invoice) -> FileResponse:
    if not invoice.file:
        raise NotFound(_("This invoice was entered as data; it has no original file."))
    response = FileResponse(
        default_storage.open(invoice.file, "rb"),
        as_attachment=True,
        filename=invoice.file_name or "invoice",
        content_type=invoice.file_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
