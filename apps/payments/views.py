"""Portal pages of paying: the payment proposal and runs (release from a confirmation that
shows the payees, confirmation, cancellation, the files) and reading a bank statement."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.accounts.pages import may_open
from apps.api.pages import Confirm, confirm_first, refusal_shown

from .files import run_file
from .models import BankStatement, PaymentRun
from .selectors import payee_accounts
from .selectors import payment_runs as payment_runs_of
from .services import runs
from .services.statements import statement_import

PAGE_SIZE = 25


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _may_see_payments(request: HttpRequest) -> None:
    """AP works payment runs; auditors read them."""
    needed = "accounts.process_invoices" if request.method == "POST" else None
    user = request.user
    if needed and not user.has_perm(needed):
        raise PermissionDenied
    if not may_open(user, "payments"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def payment_runs(request: HttpRequest) -> HttpResponse:
    _may_see_payments(request)
    if request.method == "POST" and request.POST.get("action") == "statement":
        with refusal_shown(request):
            result = statement_import(actor=current_user(request), upload=request.FILES.get("file"))
            messages.success(
                request,
                _("Statement read: %(m)s matched, %(u)s not matched%(again)s.")
                % {
                    "m": result["matched"],
                    "u": len(result["unmatched"]),
                    "again": _(" (read before: nothing changed)") if result.get("replay") else "",
                },
            )
        return redirect("payment-runs-page")
    if request.method == "POST":
        with refusal_shown(request):
            proposed = runs.payment_proposal_create(actor=current_user(request))
            messages.success(
                request,
                ngettext(
                    "%(n)d payment run proposed.", "%(n)d payment runs proposed.", len(proposed)
                )
                % {"n": len(proposed)}
                if proposed
                else _("Nothing is due."),
            )
        return redirect("payment-runs-page")
    candidates = runs.proposal_candidates()
    today = timezone.localdate()
    return render(
        request,
        "payments/payment_runs.html",
        {
            "page": _page(request, payment_runs_of(current_user(request))),
            "candidates": [(i, *runs.payable_now(i, today)) for i in candidates],
            "may_read_statements": request.user.has_perm("accounts.release_payments")
            or request.user.has_perm("accounts.view_audit"),
            "may_import_statements": request.user.has_perm("accounts.release_payments"),
            "statements": BankStatement.objects.order_by("-created_at")[:10],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Release the run"),
        gettext_lazy(
            "The bank file is made and the payments go to the accounts shown; it cannot be "
            "recalled from here."
        ),
        {"action": "release"},
        capability="accounts.release_payments",
        review="?confirm=release",  # the review of payees and accounts is the step
    ),
    Confirm(
        gettext_lazy("Cancel the run"),
        gettext_lazy(
            "The run is cancelled and its invoices wait for the next proposal; nothing is paid."
        ),
        {"action": "cancel"},
        capability="accounts.process_invoices",
    ),
    Confirm(
        gettext_lazy("Confirm the run as paid"),
        gettext_lazy(
            "Every invoice in the run is marked paid with this bank reference; the ERP is told."
        ),
        {"action": "confirm"},
        capability="accounts.release_payments",
    ),
)
def payment_run_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    _may_see_payments(request)
    run = payment_runs_of(current_user(request)).filter(pk=run_id).first()
    if run is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        with refusal_shown(request):
            if action == "release":
                # released only from the confirmation, and only the run as it was shown
                if request.POST.get("confirmed_total") != str(run.total):
                    messages.error(request, _("The run changed; check the payees again."))
                    return redirect(f"/payments/{run.pk}/?confirm=release")
                runs.payment_run_release(actor=current_user(request), run_id=run.pk)
                messages.success(request, _("Released. The pain.001 file is ready."))
            elif action == "confirm":
                runs.payment_run_confirm(
                    actor=current_user(request),
                    run_id=run.pk,
                    reference=request.POST.get("reference", ""),
                )
            elif action == "cancel":
                runs.payment_run_cancel(actor=current_user(request), run_id=run.pk)
        return redirect("payment-run-page", run_id=run.pk)
    fmt = request.GET.get("download")
    if fmt in ("pain001", "csv"):
        return run_file(run, fmt)
    items = list(run.payments.select_related("invoice__supplier", "bank_account"))
    proposed = run.status == PaymentRun.Status.PROPOSED
    if proposed:  # the accounts a release would pay, shown before anyone releases
        accounts = payee_accounts([p.invoice.supplier_id for p in items])
        for item in items:
            item.bank_account = accounts.get(item.invoice.supplier_id)
    return render(
        request,
        "payments/payment_run_detail.html",
        {
            "run": run,
            "items": items,
            "released": not proposed,
            "confirming": proposed and request.GET.get("confirm") == "release",
            "blocked": proposed
            and any(i.bank_account is None or i.bank_account.sharing_open for i in items),
        },
    )
