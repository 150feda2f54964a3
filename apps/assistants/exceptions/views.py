"""The exception page's assistant panel, loaded by HTMX from the page (templates are not
import-checked, so invoices links here without importing assistants)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.current import current_user
from apps.invoices import selectors

from .services import exception_advice_show


@login_required
def exception_advice_panel(request: HttpRequest, exception_id: str) -> HttpResponse:
    user = current_user(request)
    exception = selectors.exceptions_visible_to(user).filter(pk=exception_id).first()
    if exception is None:
        raise Http404
    advice = exception_advice_show(exception, user=user, routing=True)
    if advice is None:
        return HttpResponse("")
    return render(
        request,
        "assistants/exception_panel.html",
        {"exception": exception, "advice": advice},
    )
