"""Pages: suppliers for buyers and compliance (list, invite, detail with checks and their
evidence, bank verification, the screening queue) and the supplier portal (accept the
invitation, onboarding, documents, bank details); the portal's orders and invoices are
procurement's and invoices' pages."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.accounts.pages import require_page
from apps.api.pages import Confirm, confirm_first, refusal_caught, refusal_shown
from apps.audit.selectors import audit_events
from apps.controls.refusals import ValidationFailed
from apps.organization.models import SpendCategory
from apps.workflow.models import ApprovalRoute

from . import selectors
from .api.views import document_attachment, portal_context
from .models import DOCUMENT_TYPES, BankAccount, ScreeningHit, Supplier
from .portal import home_sections, portal_supplier
from .rules import documents_valid
from .services.access import may_read_files
from .services.banking import (
    bank_account_add,
    bank_account_approve,
    bank_account_record_callback,
    bank_account_reject,
    bank_account_sharing_clear,
)
from .services.checks import supplier_checks_run
from .services.documents import document_upload
from .services.onboarding import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    invitation_from_token,
    onboarding_gaps,
    supplier_invitation_accept,
    supplier_invitation_resend,
    supplier_profile_update,
    supplier_submit,
)
from .services.onboarding import supplier_invite as invite_supplier
from .services.screening import screening_hit_resolve, supplier_reopen

PAGE_SIZE = 25


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(errors={field: [_("Use a date like 2027-01-31.")]}) from exc


# --------------------------------------------------------------------------- buyers, compliance
def _internal(request: HttpRequest) -> None:
    require_page(request.user, "suppliers")


@login_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    _internal(request)
    params = {
        k: request.GET.get(k, "") for k in ("status", "risk", "compliance", "q", "bank", "expiring")
    }
    suppliers = selectors.supplier_search(
        selectors.suppliers_visible_to(current_user(request)),
        **{k: v or None for k, v in params.items()},
    )
    return render(
        request,
        "suppliers/supplier_list.html",
        {
            "page": Paginator(suppliers, PAGE_SIZE).get_page(request.GET.get("page")),
            "params": params,
            "statuses": Supplier.Status.choices,
            "risks": Supplier.Risk.choices,
            "compliances": Supplier.Compliance.choices,
            "soon": timezone.localdate() + timedelta(days=30),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def supplier_invite(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.manage_suppliers"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        with refusal_caught() as refusal:
            supplier = invite_supplier(
                actor=current_user(request),
                name=request.POST.get("name", ""),
                email=request.POST.get("email", ""),
                country=request.POST.get("country", ""),
                category=request.POST.get("category", ""),
                tax_id=request.POST.get("tax_id", ""),
                **portal_context(request),
            )
            messages.success(
                request,
                _("%(s)s is invited; the onboarding link went to %(e)s.")
                % {"s": supplier.name, "e": supplier.email},
            )
            return redirect(f"/suppliers/{supplier.pk}/")
        errors = refusal.errors_or("form")
    return render(
        request,
        "suppliers/supplier_invite.html",
        {
            "errors": errors,
            "form": request.POST,
            "categories": SpendCategory.objects.order_by("code"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def supplier_detail(request: HttpRequest, supplier_id: str) -> HttpResponse:
    _internal(request)
    supplier = selectors.supplier_detail(
        supplier_id, selectors.suppliers_visible_to(current_user(request))
    )
    if supplier is None:
        raise Http404
    if request.method == "POST":
        with refusal_shown(request):
            if request.POST.get("action") == "recheck":
                if not request.user.has_perm("accounts.manage_suppliers"):
                    raise PermissionDenied
                supplier_checks_run(supplier_id=supplier.pk, actor=current_user(request))
                messages.success(request, _("Checks ran again."))
            elif request.POST.get("action") == "reopen":
                supplier_reopen(
                    actor=current_user(request),
                    supplier_id=supplier.pk,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("The supplier is back in onboarding."))
            elif request.POST.get("action") == "resend":
                supplier_invitation_resend(
                    actor=current_user(request), supplier_id=supplier.pk, **portal_context(request)
                )
                messages.success(request, _("A new onboarding link was sent."))
        return redirect(f"/suppliers/{supplier.pk}/")
    route = (
        ApprovalRoute.objects.filter(subject_type="supplier", subject_id=str(supplier.pk))
        .prefetch_related("steps__tasks__assignee")
        .first()
    )
    return render(
        request,
        "suppliers/supplier_detail.html",
        {
            "supplier": supplier,
            "checks": selectors.latest_checks(supplier),
            "route": route,
            "events": audit_events(subject_type="supplier", subject_id=str(supplier.pk))[:100],
            "address": supplier.registered_address,
            "doc_labels": dict(DOCUMENT_TYPES),
            "may_read_files": may_read_files(current_user(request), supplier),
        },
    )


@login_required
def supplier_document_download(
    request: HttpRequest, supplier_id: str, document_id: str
) -> FileResponse:
    supplier = selectors.suppliers_visible_to(current_user(request)).filter(pk=supplier_id).first()
    document = supplier.documents.filter(pk=document_id).first() if supplier else None
    if supplier is None or document is None:
        raise Http404
    if not may_read_files(current_user(request), supplier):
        raise PermissionDenied
    return document_attachment(document)


@login_required
@require_POST
@confirm_first(
    Confirm(
        gettext_lazy("Approve the bank details"),
        gettext_lazy("The account becomes active: the supplier's next payments go to it."),
        {"action": "approve"},
        capability="accounts.verify_bank_details",
    ),
    Confirm(
        gettext_lazy("Reject the bank details"),
        gettext_lazy(
            "The account is rejected with your comment and never paid; the supplier has to "
            "send new details."
        ),
        {"action": "reject"},
        capability="accounts.verify_bank_details",
    ),
)
def bank_account_action(request: HttpRequest, account_id: str, action: str) -> HttpResponse:
    if not request.user.has_perm("accounts.verify_bank_details"):
        raise PermissionDenied
    with refusal_shown(request) as refusal:
        if action == "callback":
            account = bank_account_record_callback(
                actor=current_user(request),
                account_id=account_id,
                confirmed=request.POST.get("confirmed") == "yes",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Call-back recorded."))
        elif action == "approve":
            account = bank_account_approve(
                actor=current_user(request),
                account_id=account_id,
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Bank details approved and active."))
        elif action == "reject":
            account = bank_account_reject(
                actor=current_user(request),
                account_id=account_id,
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("Bank details rejected."))
        elif action == "clear-sharing":
            account = bank_account_sharing_clear(
                actor=current_user(request),
                account_id=account_id,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Cleared: invoices and payments to this account go on."))
        else:
            raise Http404
    if refusal:
        account = BankAccount.objects.filter(pk=account_id).first()  # type: ignore[assignment]
        if account is None:
            raise Http404
    return redirect(f"/suppliers/{account.supplier_id}/#bank")


@login_required
def screening_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.review_screening"):
        raise PermissionDenied
    status = request.GET.get("status") or ScreeningHit.Status.OPEN
    hits = selectors.screening_queue(status)
    return render(
        request,
        "suppliers/screening_queue.html",
        {
            "page": Paginator(hits, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": ScreeningHit.Status.choices,
        },
    )


@login_required
@require_POST
@confirm_first(
    Confirm(
        gettext_lazy("Block the supplier"),
        gettext_lazy(
            "The hit is confirmed as a true match: the supplier is blocked, and no order or "
            "payment can go to it."
        ),
        {"decision": "true_match"},
        capability="accounts.review_screening",
    )
)
def screening_resolve(request: HttpRequest, hit_id: int) -> HttpResponse:
    if not request.user.has_perm("accounts.review_screening"):
        raise PermissionDenied
    with refusal_shown(request):
        hit = screening_hit_resolve(
            actor=current_user(request),
            hit_id=hit_id,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(
            request, _("%(s)s: %(d)s.") % {"s": hit.supplier.name, "d": hit.get_status_display()}
        )
    return redirect("/suppliers/screening/")


# --------------------------------------------------------------------------- supplier portal
@require_http_methods(["GET", "POST"])
def portal_accept(request: HttpRequest, token: str) -> HttpResponse:
    with refusal_caught() as refusal:
        invitation = invitation_from_token(token)
    if refusal:
        return render(
            request, "suppliers/portal_accept.html", {"invalid": refusal.detail}, status=400
        )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password2", ""):
            errors = {"password2": [_("The two passwords differ.")]}
        else:
            with refusal_caught() as refusal:
                user = supplier_invitation_accept(token=token, password=password)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome. Complete your profile to be approved."))
                return redirect("/supplier-portal/")
            errors = refusal.errors_or("form")
    return render(
        request,
        "suppliers/portal_accept.html",
        {"invitation": invitation, "errors": errors},
    )


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    supplier = portal_supplier(request)
    supplier = selectors.supplier_detail(supplier.pk, Supplier.objects.all()) or supplier
    onboarding = supplier.status in (Supplier.Status.INVITED, Supplier.Status.ONBOARDING)
    return render(
        request,
        "suppliers/portal_home.html",
        {
            "supplier": supplier,
            "onboarding": onboarding,
            "gaps": onboarding_gaps(supplier) if onboarding else [],
            "address": supplier.registered_address,
            "contact": next(iter(supplier.contacts.all()), None),
            "documents": supplier.documents.all(),
            "doc_types": DOCUMENT_TYPES,
            "doc_labels": dict(DOCUMENT_TYPES),
            "required": supplier.required_documents,
            # the supplier's own part of compliance (never its screening)
            "documents_lapsed": supplier.status == Supplier.Status.APPROVED
            and not documents_valid(supplier, today=timezone.localdate()),
            "accounts": supplier.bank_accounts.all(),
            **home_sections(current_user(request), supplier),
            "categories": SpendCategory.objects.order_by("code"),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def portal_action(request: HttpRequest, action: str) -> HttpResponse:
    supplier = portal_supplier(request)
    user = current_user(request)
    with refusal_shown(request):
        if action == "profile":
            fields = (
                *PROFILE_FIELDS,
                *ADDRESS_FIELDS,
                *CONTACT_FIELDS,
            )
            supplier_profile_update(
                actor=user,
                supplier_id=supplier.pk,
                data={k: request.POST[k] for k in fields if k in request.POST},
            )
            messages.success(request, _("Profile saved."))
        elif action == "documents":
            document_upload(
                actor=user,
                supplier_id=supplier.pk,
                doc_type=request.POST.get("doc_type", ""),
                upload=request.FILES.get("file"),
                issued_on=_date(request.POST.get("issued_on"), "issued_on"),
                expires_on=_date(request.POST.get("expires_on"), "expires_on"),
            )
            messages.success(request, _("Document uploaded."))
        elif action == "bank-accounts":
            bank_account_add(
                actor=user,
                supplier_id=supplier.pk,
                data={
                    k: request.POST.get(k, "")
                    for k in ("account_holder", "iban", "bic", "account_number", "routing_number")
                },
            )
            messages.success(
                request,
                _(
                    "Bank details received. They become active after we confirm them with you "
                    "by telephone."
                ),
            )
        elif action == "submit":
            supplier_submit(actor=user, supplier_id=supplier.pk)
            messages.success(request, _("Submitted for approval. We will e-mail you the result."))
        else:
            raise Http404
    return redirect("/supplier-portal/")


@login_required
def portal_document_download(request: HttpRequest, document_id: str) -> FileResponse:
    supplier = portal_supplier(request)
    document = supplier.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document_attachment(document)
