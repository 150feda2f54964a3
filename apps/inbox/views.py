"""/invoices/mail/: the e-mail quarantine. AP assigns a quarantined mail to a supplier (its
e-invoices are imported) or discards it with a reason; auditors read it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts.current import current_user
from apps.accounts.pages import require_page
from apps.api.pages import Confirm, confirm_first, refusal_shown
from apps.controls.refusals import PermissionRefused
from apps.suppliers.models import Supplier

from .models import Mailbox, MailMessage
from .services import mail_assign, mail_discard, mailbox_set

PAGE_SIZE = 25


def _address(request: HttpRequest) -> str:
    return f"{settings.INVOICE_MAIL_LOCAL_PART}@{request.get_host().split(':')[0]}"


@login_required
@require_http_methods(["GET", "POST"])
def mail_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "invoice_mail")
    if request.method == "POST":
        with refusal_shown(request):
            mailbox_set(actor=current_user(request), data=_mailbox_form(request))
            messages.success(request, _("Mailbox saved; it is read every few minutes."))
        return redirect("invoice-mail-list-page")
    status = request.GET.get("status", "quarantined")
    mails = MailMessage.objects.select_related("supplier").order_by("-received_at", "pk")
    if status in MailMessage.Status.values:
        mails = mails.filter(status=status)
    return render(
        request,
        "inbox/mail_list.html",
        {
            "page": Paginator(mails, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": MailMessage.Status.choices,
            "address": _address(request),
            "may_set_mailbox": request.user.has_perm("accounts.manage_webhooks"),
            "mailbox": Mailbox.objects.first(),
        },
    )


def _mailbox_form(request: HttpRequest) -> dict[str, Any]:
    form = request.POST
    return {
        "host": form.get("host", ""),
        "port": form.get("port", "993"),
        "use_ssl": form.get("use_ssl") == "on",
        "username": form.get("username", ""),
        "password": form.get("password", ""),
        "folder": form.get("folder", "INBOX"),
        "enabled": form.get("enabled") == "on",
    }


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Discard the mail"),
        gettext_lazy(
            "The mail is discarded with your reason and nothing is imported from it; the "
            "supplier has to send the invoice again."
        ),
        {"action": "discard"},
        capability="accounts.process_invoices",
    )
)
def mail_detail(request: HttpRequest, mail_id: str) -> HttpResponse:
    require_page(request.user, "invoice_mail")
    message = (
        MailMessage.objects.select_related("supplier", "decided_by").filter(pk=mail_id).first()
    )
    if message is None:
        raise Http404
    if request.method == "POST":
        action: Any = request.POST.get("action")
        with refusal_shown(request):
            if action == "assign":
                mail_assign(
                    actor=current_user(request),
                    mail_id=message.pk,
                    supplier_id=request.POST.get("supplier") or None,
                )
                messages.success(request, _("Assigned; its e-invoices were imported."))
            elif action == "discard":
                mail_discard(
                    actor=current_user(request),
                    mail_id=message.pk,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Discarded."))
            else:
                raise PermissionRefused()
        return redirect("invoice-mail-page", mail_id=message.pk)
    return render(
        request,
        "inbox/mail_detail.html",
        {
            "mail": message,
            "may_decide": request.user.has_perm("accounts.process_invoices")
            and message.status == MailMessage.Status.QUARANTINED,
            # only what the mail's state allows: a refused mail can be discarded, not assigned
            "may_assign": request.user.has_perm("accounts.process_invoices") and message.assignable,
            "suppliers": Supplier.objects.order_by("name").only("pk", "name")[:500],
        },
    )
