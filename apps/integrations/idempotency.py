"""Idempotency-Key on every API POST (CONTRACT §3).

The same key with the same body returns the first response again and does nothing twice; the
same key with another body answers 422 `idempotency_key_reused`. Keys are scoped to the
caller (token or session user) and to the tenant's schema, and kept for IDEMPOTENCY_KEY_TTL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from apps.api.boundary import FORM_TYPES

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _principal(request: HttpRequest) -> str:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "auth:" + hashlib.sha256(authorization.encode()).hexdigest()[:64]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


def _fingerprint(request: HttpRequest) -> str:
    """Method, path and body. A form or upload is taken as its parsed fields and each file's
    SHA-256 (the boundary middleware has parsed it already, and an upload may be larger than
    a body held in memory)."""
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0" + request.get_full_path().encode() + b"\0")
    if request.content_type not in FORM_TYPES:
        digest.update(request.body)
        return digest.hexdigest()
    digest.update(request.content_type.encode() + b"\0")
    for name, values in sorted(request.POST.lists()):
        for value in values:
            digest.update(f"{name}={value}".encode() + b"\0")
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)
            digest.update(f"{name}:{upload.name}:{content.hexdigest()}".encode() + b"\0")
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            return JsonResponse(
                {
                    "code": "validation_error",
                    "detail": _("Idempotency-Key must be 1 to 255 characters."),
                    "errors": {HEADER: [_("Use 1 to 255 characters.")]},
                },
                status=400,
            )
        principal, fingerprint = _principal(request), _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if existing is None:  # pruned between the two statements: treat as new
                return self.get_response(request)
            return self._replay(existing, fingerprint)

        response = self.get_response(request)
        if response.status_code >= 500 or getattr(response, "streaming", False):
            # A failure on our side is not a result: let the client retry with the same key.
            record.delete()
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.save(update_fields=["status_code", "content_type", "body"])
        return response

    @staticmethod
    def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
        if record.fingerprint != fingerprint:
            return JsonResponse(
                {
                    "code": "idempotency_key_reused",
                    "detail": _("This Idempotency-Key was already used with a different request."),
                },
                status=422,
            )
        if record.status_code is None:
            return JsonResponse(
                {
                    "code": "idempotency_key_in_progress",
                    "detail": _("A request with this Idempotency-Key is still being processed."),
                },
                status=409,
            )
        response = HttpResponse(
            bytes(record.body or b""), status=record.status_code, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
