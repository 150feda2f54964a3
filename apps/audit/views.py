"""`/audit/`: the audit trail with filters, the chain's state, and evidence packs
(auditors and tenant admins)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.api.errors import ApplicationError
from apps.api.ids import parse_uuid

from .api.views import pack_attachment
from .chain import audit_chain_check
from .models import ChainCheck, EvidencePack
from .pack_content import SUBJECTS
from .packs import evidence_pack_download, evidence_pack_request, may_use_packs, recent_period
from .selectors import audit_search

PAGE_SIZE = 50
FILTERS = ("subject_type", "subject_id", "actor", "action", "policy_version", "since", "until")


def _auditor(request: HttpRequest) -> User:
    if not may_use_packs(request.user):
        raise PermissionDenied
    return cast(User, request.user)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_home(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    params = {k: request.GET.get(k, "").strip() for k in FILTERS}
    events = audit_search(
        subject_type=params["subject_type"],
        subject_id=params["subject_id"],
        actor=params["actor"],
        action=params["action"],
        policy_version=params["policy_version"],
        since=_day(params["since"]),
        until=_day(params["until"]),
    )
    start, end = recent_period()
    return render(
        request,
        "audit/home.html",
        {
            "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
            "params": params,
            "last_check": ChainCheck.objects.first(),
            "packs": EvidencePack.objects.select_related("requested_by")[:20],
            "subject_types": sorted(SUBJECTS),
            "period_start": start,
            "period_end": end,
        },
    )


def _subject_id(subject_type: str, reference: str) -> str:
    """A pack's subject by id or by the number people know it by."""
    from apps.invoices.models import Invoice
    from apps.procurement.models import PurchaseOrder, Requisition
    from apps.suppliers.models import Supplier

    if parse_uuid(reference) is not None:
        return reference
    by_number: dict[str, Any] = {
        "requisition": Requisition.objects.filter(number__iexact=reference),
        "purchase_order": PurchaseOrder.objects.filter(number__iexact=reference),
        "invoice": Invoice.objects.filter(invoice_number__iexact=reference),
        "supplier": Supplier.objects.filter(name__iexact=reference),
    }
    found = by_number.get(subject_type)
    match = found.values_list("pk", flat=True).first() if found is not None else None
    return str(match) if match else reference


@login_required
@require_POST
def pack_request(request: HttpRequest) -> HttpResponse:
    user = _auditor(request)
    subject_type = request.POST.get("subject_type", "").strip()
    try:
        if subject_type:
            reference = request.POST.get("subject", "").strip()
            pack = evidence_pack_request(
                actor=user,
                subject_type=subject_type,
                subject_id=_subject_id(subject_type, reference),
            )
        else:
            pack = evidence_pack_request(
                actor=user,
                period_start=_day(request.POST.get("period_start", "")),
                period_end=_day(request.POST.get("period_end", "")),
            )
        messages.success(request, _("Evidence pack %s is being prepared.") % pack.pk)
    except ApplicationError as exc:
        messages.error(request, exc.text())
    return redirect(request.POST.get("next") or "audit-home")


@login_required
def pack_download(request: HttpRequest, pack_id: str) -> FileResponse:
    pack = evidence_pack_download(actor=_auditor(request), pack_id=parse_uuid(pack_id))
    if pack is None:
        raise Http404
    return pack_attachment(pack)


@login_required
@require_POST
def chain_check(request: HttpRequest) -> HttpResponse:
    _auditor(request)
    check = audit_chain_check(trigger="on_demand")
    if check.valid:
        messages.success(request, _("The audit chain is intact (%s events).") % check.count)
    else:
        messages.error(request, _("The audit chain is broken at event %s.") % check.first_bad)
    return redirect("audit-home")
