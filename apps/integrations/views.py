"""`/settings/integrations/`: webhook endpoints with their health, the dead letters, and what
tenant admins do with them (auditors read). Views parse input and call the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.accounts.pages import require_page
from apps.api.pages import Confirm, confirm_first, refusal_shown
from apps.controls.refusals import ApplicationError
from apps.events.event_types import EVENT_TYPES

from . import access_views
from .access_views import ACCESS_FORMS, return_to
from .models import WebhookDelivery, WebhookEndpoint
from .services import chat, deliveries, endpoints

PAGE = "/settings/integrations/"
HEALTH_WINDOW = timedelta(days=7)


def _endpoints_with_health() -> list[WebhookEndpoint]:
    since = timezone.now() - HEALTH_WINDOW
    recent = Q(deliveries__created_at__gte=since)
    return list(
        WebhookEndpoint.objects.annotate(
            recent_total=Count("deliveries", filter=recent & ~Q(deliveries__status="pending")),
            recent_ok=Count("deliveries", filter=recent & Q(deliveries__status="succeeded")),
            pending=Count("deliveries", filter=Q(deliveries__status="pending")),
            dead=Count("deliveries", filter=Q(deliveries__status="dead")),
            last_success=Max("deliveries__delivered_at"),
        ).order_by("-created_at")
    )


@login_required
@require_http_methods(["GET", "POST"])
@confirm_first(
    Confirm(
        gettext_lazy("Rotate the endpoint's secret"),
        gettext_lazy(
            "A new signing secret is made and shown once; the receiver refuses our events until "
            "it is given the new one."
        ),
        {"rotate": "*"},
        capability="accounts.manage_webhooks",
    ),
    Confirm(
        gettext_lazy("Rotate the ERP's secret"),
        gettext_lazy(
            "A new secret is made and shown once; the ERP's events are refused until it signs "
            "with the new one."
        ),
        {"form": "erp_rotate"},
        capability="accounts.manage_webhooks",
    ),
    Confirm(
        gettext_lazy("Replace the service account's key"),
        gettext_lazy("A new key is made and shown once; the old key stops working at once."),
        {"form": "account_rotate"},
        capability="accounts.manage_webhooks",
    ),
)
def integrations(request: HttpRequest) -> HttpResponse:
    require_page(request.user, "integrations")
    secret = None  # shown in this answer only: never stored in a message or a cookie
    shown = ""  # what the secret is for
    if request.method == "POST":
        actor = current_user(request)
        with refusal_shown(request):
            if request.POST.get("form") in ACCESS_FORMS:
                shown, secret = access_views.made(request, actor)
            elif request.POST.get("rotate"):
                shown = "endpoint"
                _endpoint, secret = endpoints.endpoint_rotate_secret(
                    actor=actor, endpoint_id=request.POST["rotate"]
                )
            else:
                shown = "endpoint"
                _endpoint, secret = endpoints.endpoint_create(
                    actor=actor,
                    data={
                        "url": request.POST.get("url", ""),
                        "description": request.POST.get("description", ""),
                        "event_types": request.POST.getlist("event_types"),
                        "legal_entities": request.POST.getlist("legal_entities"),
                        "format": request.POST.get("format") or WebhookEndpoint.Format.STANDARD,
                    },
                )
    dead = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.DEAD).select_related(
        "endpoint", "event"
    )
    page = Paginator(dead.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/settings.html",
        {
            "endpoints": _endpoints_with_health(),
            "dead": page,
            "secret": secret,
            "shown": shown,
            **access_views.context(request),
            "event_types": sorted(EVENT_TYPES),
            "formats": WebhookEndpoint.Format.choices,
            "may_manage": request.user.has_perm("accounts.manage_webhooks"),
            "chat": chat.chat_settings(),
        },
    )


def _act(request: HttpRequest, verb: str, endpoint_id: Any) -> str:
    actor = current_user(request)
    if verb == "disable" or verb == "enable":
        endpoints.endpoint_update(
            actor=actor, endpoint_id=endpoint_id, data={"enabled": verb == "enable"}
        )
        return _("Switched on.") if verb == "enable" else _("Switched off.")
    if verb == "test":
        deliveries.endpoint_test(actor=actor, endpoint_id=endpoint_id)
        return _("A test event is on its way.")
    if verb == "recover":
        since = parse_datetime(request.POST.get("since", "") or "")
        if since is None:
            raise ApplicationError(_("Give the time to recover from, such as 2026-11-27 08:00."))
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        count = deliveries.endpoint_recover(actor=actor, endpoint_id=endpoint_id, since=since)
        return ngettext(
            "%(n)d failed delivery is being sent again.",
            "%(n)d failed deliveries are being sent again.",
            count,
        ) % {"n": count}
    if verb == "delete":
        endpoints.endpoint_delete(actor=actor, endpoint_id=endpoint_id)
        return _("Removed.")
    raise Http404


@login_required
@require_POST
@confirm_first(
    Confirm(
        gettext_lazy("Switch the endpoint off"),
        gettext_lazy(
            "No event is sent to this address until it is switched on again; events in between "
            "wait and are not delivered on their own."
        ),
        {"verb": "disable"},
        capability="accounts.manage_webhooks",
    ),
    Confirm(
        gettext_lazy("Remove the endpoint"),
        gettext_lazy(
            "The endpoint and its secret are removed for good; its receiver gets no more events."
        ),
        {"verb": "delete"},
        capability="accounts.manage_webhooks",
    ),
)
def endpoint_action(request: HttpRequest, endpoint_id: str, verb: str) -> HttpResponse:
    require_page(request.user, "integrations")
    with refusal_shown(request):
        messages.success(request, _act(request, verb, endpoint_id))
    return redirect(PAGE)


@login_required
@require_POST
def delivery_retry(request: HttpRequest, delivery_id: str) -> HttpResponse:
    require_page(request.user, "integrations")
    with refusal_shown(request):
        deliveries.delivery_retry(actor=current_user(request), delivery_id=delivery_id)
        messages.success(request, _("The delivery is being sent again."))
    return redirect(return_to(request))


@login_required
@require_POST
def chat_approvals(request: HttpRequest) -> HttpResponse:
    """The Slack and Teams approvals form of the integrations page."""
    require_page(request.user, "integrations")
    with refusal_shown(request):
        chat.chat_settings_save(
            actor=current_user(request),
            slack_webhook_url=request.POST.get("slack_webhook_url", ""),
            slack_signing_secret=request.POST.get("slack_signing_secret", ""),
            slack_bot_token=request.POST.get("slack_bot_token", ""),
            teams_webhook_url=request.POST.get("teams_webhook_url", ""),
        )
        messages.success(request, _("Saved."))
    return redirect(PAGE)


@csrf_exempt  # Slack signs the request; there is no session to protect
@require_POST
def slack_interactions(request: HttpRequest) -> HttpResponse:
    """Slack's request URL for the approval buttons (docs/integrations.md)."""
    answer = chat.slack_interaction(body=request.body, headers=request.headers)
    return JsonResponse(answer.body(), status=answer.status)
