"""The console's offboarding page (public host, partner admins): offboard a suspended client
tenant after a confirmation step that says what will happen and when, cancel before the
deletion date, and download the export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.api.pages import CONFIRMATION_FIELD, confirmation_given, refusal_caught, refusal_on_form
from apps.tenancy.models import Client
from apps.tenancy.services import partner_of

from .api.lifecycle import export_attachment
from .lifecycle_forms import OffboardCancelForm, OffboardForm
from .services.lifecycle import tenant_offboard, tenant_offboard_cancel


def _client_of(request: HttpRequest, slug: str) -> Client:
    with refusal_caught() as refusal:
        partner = partner_of(request.user, "manage_lifecycle")
        client = Client.tombstones_included.filter(partner=partner, slug=slug).first()
        if client is None:
            raise Http404
        return client
    raise PermissionDenied(refusal.detail) from refusal.exc


def _page(
    request: HttpRequest,
    client: Client,
    *,
    form: Form | None = None,
    cancel_form: Form | None = None,
    review: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "partners/lifecycle_offboard.html",
        {
            "client": client,
            "offboarding": client.offboardings.first(),
            "form": form or OffboardForm(),
            "cancel_form": cancel_form or OffboardCancelForm(),
            "review": review,
            "confirmation_field": CONFIRMATION_FIELD,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def offboard(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the tenant's lifecycle. POST `action=offboard`: first the confirmation step (what
    is exported, the deletion date), then the offboarding; `action=cancel`: the cancel."""
    client = _client_of(request, slug)
    if request.method != "POST":
        return _page(request, client)
    if request.POST.get("action") == "cancel":
        cancel_form = OffboardCancelForm(request.POST)
        if cancel_form.is_valid():
            with refusal_on_form(cancel_form):
                tenant_offboard_cancel(
                    actor=request.user, client=client, reason=cancel_form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _("The offboarding of %(name)s is cancelled: it is suspended again.")
                    % {"name": client.name},
                )
                return redirect("partner-tenant-offboard-page", slug=slug)
        return _page(request, client, cancel_form=cancel_form, status=422)
    form = OffboardForm(request.POST)
    if form.is_valid() and not confirmation_given(request):
        days = form.cleaned_data["retention_days"]
        review = {
            "delete_on": timezone.now() + timedelta(days=max(days, 0)),
            "values": form.cleaned_data,
        }
        return _page(request, client, form=form, review=review)
    if form.is_valid():
        with refusal_on_form(form):
            offboarding = tenant_offboard(actor=request.user, client=client, **form.cleaned_data)
            messages.success(
                request,
                _("%(name)s is offboarding: its export is ready and its data is deleted on %(on)s.")
                % {
                    "name": client.name,
                    "on": date_format(offboarding.delete_after, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("partner-tenant-offboard-page", slug=slug)
    return _page(request, client, form=form, status=422)


@login_required
def export_download(request: HttpRequest, slug: str) -> HttpResponseBase:
    client = _client_of(request, slug)
    offboarding = client.offboardings.select_related("client").first()
    if offboarding is None:
        raise Http404
    with refusal_caught() as refusal:
        return export_attachment(offboarding)
    raise Http404 from refusal.exc
