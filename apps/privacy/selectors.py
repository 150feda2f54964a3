from __future__ import annotations

from django.db.models import QuerySet

from .models import ErasureRequest


def erasure_requests() -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.order_by("-created_at", "-id")
