"""What a locked-out sign-in sees (django-axes calls this)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    detail = _("Too many failed sign-in attempts. Try again later or ask your administrator.")
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "account_locked", "detail": detail}, status=429)
    return render(request, "accounts/locked.html", {"detail": detail}, status=429)
