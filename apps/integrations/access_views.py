"""The ERP and access parts of `/settings/integrations/`: ERP connections, service accounts,
inbound dead letters and reconciliation reports (tenant admins act; auditors read). A new
secret or key is shown in the answer that made it, never again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from apps.accounts.current import current_user
from apps.accounts.models import User
from apps.accounts.pages import require_page
from apps.api.pages import Confirm, confirm_first, refusal_shown
from apps.controls.refusals import ApplicationError
from apps.organization.models import LegalEntity
from apps.suppliers.api.views import portal_context

from .models import ErpConnection, InboundEvent, ReconciliationRun, ServiceAccount
from .scopes import SCOPES
from .services import access
from .services import inbound as inbound_services

PAGE = "/settings/integrations/"
OPERATIONS_PAGE = "/settings/operations/"
ACCESS_FORMS = ("erp", "erp_rotate", "account", "account_rotate")


def _expiry(text: str) -> Any:
    if not text:
        return None
    when = parse_datetime(text) or parse_datetime(f"{text} 23:59")
    if when is None:
        raise ApplicationError(_("Give the expiry as a date, such as 2027-06-30."))
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def made(request: HttpRequest, actor: User) -> tuple[str, str]:
    """Create or rotate from the page's forms: (what it is for, the secret or key)."""
    form, post = request.POST["form"], request.POST
    if form == "erp":
        _c, secret = access.erp_connection_create(
            actor=actor,
            data={"name": post.get("name", ""), "legal_entities": post.getlist("legal_entities")},
        )
        return "erp", secret
    if form == "erp_rotate":
        _c, secret = access.erp_connection_rotate_secret(
            actor=actor, connection_id=post.get("connection", "")
        )
        return "erp", secret
    if form == "account":
        _a, key = access.service_account_create(
            actor=actor,
            data={
                "name": post.get("name", ""),
                "scopes": post.getlist("scopes"),
                "legal_entities": post.getlist("legal_entities"),
                "expires_at": _expiry(post.get("expires_at", "").strip()),
            },
        )
        return "account", key
    _a, key = access.service_account_rotate(actor=actor, account_id=post.get("account", ""))
    return "account", key


def context(request: HttpRequest) -> dict[str, Any]:
    failed = InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).select_related(
        "connection"
    )
    return {
        "connections": list(ErpConnection.objects.order_by("name", "created_at")),
        "accounts": list(ServiceAccount.objects.order_by("name", "created_at")),
        "inbound_failed": Paginator(failed.order_by("-received_at", "-pk"), 25).get_page(
            request.GET.get("inbound_page")
        ),
        "runs": list(ReconciliationRun.objects.order_by("-started_at")[:10]),
        "scopes": sorted(SCOPES),
        "legal_entities": list(LegalEntity.objects.order_by("code").values_list("code", flat=True)),
    }


def return_to(request: HttpRequest) -> str:
    """Where an action answers: the operator's page when it was pressed there (its dead
    letters post here with `next`), else this page. Only those two: never a given address."""
    return OPERATIONS_PAGE if request.POST.get("next") == OPERATIONS_PAGE else PAGE


def _act(request: HttpRequest, kind: str, verb: str, pk: Any) -> str:
    actor = current_user(request)
    if (kind, verb) == ("erp", "delete"):
        access.erp_connection_delete(actor=actor, connection_id=pk)
        return _("The ERP connection is removed; its events are refused from now on.")
    if (kind, verb) == ("account", "revoke"):
        access.service_account_revoke(actor=actor, account_id=pk)
        return _("Revoked: its keys stop working now.")
    if (kind, verb) == ("inbound", "reapply"):
        event = inbound_services.inbound_event_reapply(
            actor=actor, event_id=pk, portal=portal_context(request)
        )
        if event.status == InboundEvent.Status.APPLIED:
            return _("Applied.")
        raise ApplicationError(_("Still not applied: %s") % event.reason)
    if (kind, verb) == ("inbound", "discard"):
        inbound_services.inbound_event_discard(
            actor=actor, event_id=pk, reason=request.POST.get("reason", "")
        )
        return _("Discarded.")
    raise Http404


@login_required
@require_POST
@confirm_first(
    Confirm(
        gettext_lazy("Remove the ERP connection"),
        gettext_lazy(
            "The connection and its secret are removed for good; the ERP's events are refused "
            "from now on."
        ),
        {"kind": "erp", "verb": "delete"},
        capability="accounts.manage_webhooks",
    ),
    Confirm(
        gettext_lazy("Revoke the service account"),
        gettext_lazy(
            "Its key stops working at once and cannot be used again; the integration that uses "
            "it is refused."
        ),
        {"kind": "account", "verb": "revoke"},
        capability="accounts.manage_webhooks",
    ),
    Confirm(
        gettext_lazy("Discard the ERP event"),
        gettext_lazy(
            "The event is set aside with your reason and never applied; the ERP's change stays "
            "out of Spendgate."
        ),
        {"kind": "inbound", "verb": "discard"},
        capability="accounts.manage_webhooks",
    ),
)
def access_action(request: HttpRequest, kind: str, pk: str, verb: str) -> HttpResponse:
    require_page(request.user, "integrations")
    with refusal_shown(request):
        messages.success(request, _act(request, kind, verb, pk))
    return redirect(return_to(request))


@login_required
@require_POST
def reconcile_now(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "integrations")
    with refusal_shown(request):
        run = inbound_services.erp_reconcile_now(actor=current_user(request))
        messages.success(
            request,
            ngettext(
                "Reconciled: %(n)d mismatch (see the report below).",
                "Reconciled: %(n)d mismatches (see the report below).",
                len(run.mismatches),
            )
            % {"n": len(run.mismatches)},
        )
    return redirect(PAGE)
