"""`/settings/integrations/`: webhook endpoints with their health, the dead letters, and what
tenant admins do with them (auditors read). Views parse input and call the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.current import current_user
from apps.accounts.pages import require_page
from apps.api.pages import refusal_shown
from apps.controls.refusals import ApplicationError
from apps.events.event_types import EVENT_TYPES

from . import access_views
from .access_views import ACCESS_FORMS, return_to
from .models import WebhookDelivery, WebhookEndpoint
from .services import deliveries, endpoints

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
