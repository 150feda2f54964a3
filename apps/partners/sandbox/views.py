"""The console's sandbox button (public host): a production tenant's page makes a sandbox of
it; the stand-ins' password is shown once, on the new sandbox's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.api.pages import refusal_shown
from apps.tenancy.selectors import partner_clients
from apps.tenancy.services import partner_of

from .services import sandbox_create


@login_required
@require_POST
def sandbox_new(request: HttpRequest, slug: str) -> HttpResponse:
    with refusal_shown(request):
        source = partner_clients(partner_of(request.user)).filter(slug=slug).first()
        if source is None:
            raise Http404
        created = sandbox_create(actor=request.user, from_client=source)
        messages.success(
            request,
            _(
                "Sandbox %(name)s is ready. Its stand-ins (%(people)s) sign in with the password "
                "%(password)s: note it now, it is not shown again."
            )
            % {
                "name": created.client.name,
                "people": ", ".join(s.email for s in created.written.standins) or _("none"),
                "password": created.password,
            },
        )
        return redirect("partner-tenant", slug=created.client.slug)
    return redirect("partner-tenant", slug=slug)
