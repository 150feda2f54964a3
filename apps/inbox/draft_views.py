"""/invoices/mail/drafts/: the review list of mailed PDFs without e-invoice data, read by the
invoice-reading assistant. AP opens a draft, checks the pre-filled invoice form and files it,
or discards it with a reason; auditors read it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.accounts.pages import require_page
from apps.api.pages import Confirm, confirm_first, refusal_shown
from apps.assistants.reading.views import form_rows, posted_form
from apps.controls.refusals import PermissionRefused
from apps.procurement.models import PurchaseOrder
from apps.suppliers.models import Supplier

from .drafts import reading_draft_discard, reading_draft_file
from .models import ReadingDraft

PAGE_SIZE = 25


@login_required
def draft_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "invoice_mail")
    status = request.GET.get("status", ReadingDraft.Status.REVIEW)
    drafts = ReadingDraft.objects.select_related("supplier", "mail").order_by("-created_at", "pk")
    if status in ReadingDraft.Status.values:
        drafts = drafts.filter(status=status)
    return render(
        request,
        "inbox/draft_list.html",
        {
            "page": Paginator(drafts, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": ReadingDraft.Status.choices,
        },
    )


def _answer(draft: ReadingDraft) -> dict[str, Any]:
    reading = draft.reading or {}
    return {
        "fields": reading.get("fields") or {"lines": []},
        "confidence": reading.get("confidence") or {},
        "findings": reading.get("findings") or [],
        "source": reading.get("source", ""),
        "threshold": reading.get("threshold", 1.0),
    }


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Discard the draft"),
        gettext_lazy(
            "The draft read from the mail is discarded with your reason; no invoice is filed "
            "from it."
        ),
        {"action": "discard"},
        capability="accounts.process_invoices",
    )
)
def draft_detail(request: HttpRequest, draft_id: str) -> HttpResponse:
    require_page(request.user, "invoice_mail")
    draft = (
        ReadingDraft.objects.select_related("supplier", "mail", "invoice")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        with refusal_shown(request) as refusal:
            if action == "file":
                invoice = reading_draft_file(
                    actor=current_user(request), draft_id=draft.pk, form=posted_form(request)
                )
            elif action == "discard":
                reading_draft_discard(
                    actor=current_user(request),
                    draft_id=draft.pk,
                    reason=request.POST.get("reason", ""),
                )
            else:
                raise PermissionRefused()
        if not refusal:
            if action == "file":
                messages.success(request, _("Invoice %s received.") % invoice.invoice_number)
                return redirect("invoice-page", invoice_id=invoice.pk)
            messages.success(request, _("Discarded."))
        return redirect("invoice-mail-draft-page", draft_id=draft.pk)
    answer = _answer(draft)
    rows = form_rows(answer)
    if draft.supplier_id and not rows["supplier_id"]:
        rows["supplier_id"] = str(draft.supplier_id)
    return render(
        request,
        "inbox/draft_detail.html",
        {
            "draft": draft,
            "answer": answer,
            **rows,
            "line_count": len(rows["lines"]),
            "may_decide": request.user.has_perm("accounts.process_invoices")
            and draft.status == ReadingDraft.Status.REVIEW,
            "suppliers": Supplier.objects.order_by("name").only("pk", "name")[:500],
            "orders": PurchaseOrder.objects.order_by("-issued_at").only("pk", "number")[:200],
        },
    )


@login_required
def draft_file(request: HttpRequest, draft_id: str) -> FileResponse:
    require_page(request.user, "invoice_mail")
    draft = ReadingDraft.objects.filter(pk=draft_id).first()
    if draft is None:
        raise Http404
    from django.core.files.storage import default_storage

    response = FileResponse(
        default_storage.open(draft.file, "rb"),
        as_attachment=True,
        filename=draft.file_name or "invoice.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
