"""Invoice reading as a service: `invoice_extract` reads an uploaded PDF or photo into fields
with a confidence each, cross-checks them and stores the advice shown (it creates no invoice);
`reading_confirm` is the person's submission of the pre-filled form, through the invoice
intake's own service (`apps.invoices.services.receive.invoice_create`), recording whether
they followed the reading or changed it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.guards import is_system, require
from apps.controls.refusals import ApplicationError, NotFound, PermissionRefused, ValidationFailed
from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.organization.number_input import NumberNotRead, plain_decimal
from apps.suppliers.models import Supplier
from apps.suppliers.selectors import supplier_of

from ..models import Advice, Assistant
from ..services import advice_outcome, advice_record, assistant_setting
from .checks import cross_check
from .document import document_read, upload_bytes
from .read import MODEL, Reading

NAME = Assistant.INVOICE_READING
HEADER_FIELDS = (
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "po_number",
    "total",
    "tax_total",
    "net_total",
)


class AssistantOff(ApplicationError):
    status = 403
    code = "assistant_off"


def reader_scope(actor: Any) -> Supplier | None:
    """Who may have a document read: AP (process invoices), or a supplier's portal user for its
    own supplier (then the supplier it acts for, the only one it is checked against)."""
    require(actor, "accounts.process_invoices", "accounts.use_supplier_portal")
    if is_system(actor) or actor.has_perm("accounts.process_invoices"):
        return None  # the system (a mailed PDF's reading) reads as AP would
        return None
    if actor.has_perm("accounts.use_supplier_portal"):
        supplier = supplier_of(actor)
        if supplier is not None:
            return supplier
    raise PermissionRefused()


def refuse_when_off() -> dict[str, Any]:
    setting = assistant_setting(NAME)
    if not setting["enabled"]:
        raise AssistantOff(_("Invoice reading is switched off in this organisation's policy."))
    return setting


def prefill(reading: dict[str, Any], threshold: float) -> dict[str, Any]:
    """The fields sure enough to pre-fill a form (confidence at or above `threshold`)."""
    return {
        k: v
        for k, v in reading["fields"].items()
        if k in reading["confidence"]
        and reading["confidence"][k] >= threshold
        and v not in (None, "", [])
    }


def reading_of(data: bytes, *, actor: Any, scope: Supplier | None) -> tuple[Reading, str]:
    reading, extension = document_read(data)
    cross_check(reading, actor=actor, scope=scope)
    return reading, extension


def invoice_extract(
    *,
    actor: Any,
    upload: Any,
    keep: bool = False,
    subject_type: str = "draft",
    subject_id: str = "",
) -> dict[str, Any]:
    """{fields, confidence, model, findings, advice_id, threshold, prefill} for the uploaded
    PDF or photo; the advice shown is stored. `keep`: the page keeps the file for the
    person's confirmation (under reading/<advice id>); the API keeps nothing."""
    scope = reader_scope(actor)
    setting = refuse_when_off()
    data = upload_bytes(upload)
    reading, extension = reading_of(data, actor=actor, scope=scope)
    answer = {
        "fields": reading.fields,
        "confidence": reading.confidence,
        "model": MODEL,
        "source": reading.source,
        "findings": reading.findings,
        "threshold": setting["threshold"],
    }
    if keep:
        answer["file"] = default_storage.save(
            f"reading/{uuid.uuid4().hex}.{extension}", ContentFile(data)
        )
        answer["file_name"] = str(getattr(upload, "name", "") or f"invoice.{extension}")[:150]
    advice = advice_record(
        assistant=NAME,
        model_version=MODEL,
        inputs={"sha256": hashlib.sha256(data).hexdigest()},
        output=answer,
        confidence=min(
            (reading.confidence[k] for k in ("invoice_number", "invoice_date", "total")), default=0
        ),
        shown_to=actor,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    answer["advice_id"] = str(advice.pk)
    answer["prefill"] = prefill(answer, setting["threshold"])
    return answer


def _decimal(value: Any, field: str) -> Decimal:
    """A plain decimal ("1234.56"), as the API speaks; the pages read what people type in
    their own format before it comes here (views.posted_form)."""
    try:
        return plain_decimal(value)
    except NumberNotRead:
        raise ValidationFailed(errors={field: [_("An amount, such as 1234.56.")]}) from None


def _date(value: Any, field: str, required: bool = True) -> date | None:
    if not value and not required:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(errors={field: [_("A date, YYYY-MM-DD.")]}) from None


def entered_invoice(form: dict[str, Any]) -> dict[str, Any]:
    """The invoice as the person confirmed it on the form, as `invoice_create` takes it."""
    number = str(form.get("invoice_number", "")).strip()
    if not number:
        raise ValidationFailed(errors={"invoice_number": [_("Give the invoice number.")]})
    rate = _decimal(form.get("tax_rate") or "0", "tax_rate")
    lines = []
    for i, line in enumerate(form.get("lines") or []):
        if not str(line.get("description", "")).strip() and not line.get("amount"):
            continue
        quantity = _decimal(line.get("quantity") or "1", f"lines[{i}].quantity")
        price = _decimal(line.get("unit_price") or "0", f"lines[{i}].unit_price")
        lines.append(
            {
                "description": str(line.get("description", "")).strip()[:300] or "-",
                "quantity": quantity,
                "unit_price": price,
                "tax_rate": rate,
            }
        )
    if not lines:
        raise ValidationFailed(errors={"lines": [_("Invoice at least one line.")]})
    return {
        "invoice_number": number[:60],
        "invoice_date": _date(form.get("invoice_date"), "invoice_date"),
        "due_date": _date(form.get("due_date"), "due_date", required=False),
        "currency": str(form.get("currency") or "EUR").upper()[:3],
        "purchase_order": form.get("purchase_order") or None,
        "lines": lines,
        "total": _decimal(form.get("total") or "0", "total"),
    }


def _shown_advice(actor: Any, advice_id: Any) -> Advice:
    advice = Advice.objects.filter(pk=advice_id, assistant=NAME).first() if advice_id else None
    if advice is None or advice.shown_to_id != getattr(actor, "pk", None):
        raise NotFound()
    return advice


def outcome_record(advice: Advice, actor: Any, form: dict[str, Any]) -> None:
    """Followed when every field the reading pre-filled was submitted as read."""
    suggested = advice.output.get("fields", {})
    threshold = advice.output.get("threshold", 1.0)
    changed = {}
    for key in HEADER_FIELDS:
        read = suggested.get(key)
        if read in (None, "") or advice.output.get("confidence", {}).get(key, 0) < threshold:
            continue
        entered = form.get(key)
        same = (
            str(read) == str(entered)
            if key not in ("total",)
            else (entered not in (None, "") and Decimal(str(read)) == Decimal(str(entered)))
        )
        if entered not in (None, "") and not same:
            changed[key] = {"read": read, "entered": str(entered)}
    advice_outcome(advice, actor=actor, followed=not changed, detail={"changed": changed})


@transaction.atomic
def reading_confirm(*, actor: User, advice_id: Any, form: dict[str, Any]) -> Invoice:
    """The person submits the form the reading pre-filled: the invoice is received through
    the intake's own service, with the file that was read as its original."""
    scope = reader_scope(actor)
    advice = _shown_advice(actor, advice_id)
    path = advice.output.get("file")
    if not path or not default_storage.exists(path):
        raise ValidationFailed(_("The file read is no longer here; upload it again."))
    data = entered_invoice(form)
    with default_storage.open(path, "rb") as handle:
        content = handle.read()
    extension = path.rsplit(".", 1)[-1]
    content_type = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}[extension]
    data["original"] = (
        content,
        advice.output.get("file_name") or f"invoice.{extension}",
        content_type,
        extension,
    )
    if scope is not None:
        data["channel"] = Invoice.Channel.PORTAL
        invoice = invoice_create(actor=actor, data=data, supplier=scope)
    else:
        data["supplier"] = form.get("supplier")
        invoice = invoice_create(actor=actor, data=data)
    outcome_record(advice, actor, form)
    return invoice
