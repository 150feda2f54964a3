"""Legal-entity limits of a service account (docs/integrations.md): a key limited to some
legal entities reads only their invoices; naming another is refused `403`. `request.auth` is
the account when a key authenticated the call (apps.integrations.keys); people are not
limited this way."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from apps.controls.refusals import PermissionRefused


def entity_scope(request: Any) -> list[str] | None:
    codes = getattr(getattr(request, "auth", None), "legal_entities", None)
    return list(codes) if codes else None


def within_scope[M: Model](found: QuerySet[M], request: Any, path: str) -> QuerySet[M]:
    """`found` limited to the caller's legal entities (`path` leads to the entity's code)."""
    codes = entity_scope(request)
    return found if codes is None else found.filter(**{f"{path}__in": codes})


def refuse_outside(request: Any, code: str | None) -> None:
    """Refuse a legal entity (or a document of one) outside the caller's."""
    codes = entity_scope(request)
    if codes is not None and code not in codes:
        raise PermissionRefused(
            _("This key is limited to the legal entities %s.") % ", ".join(codes)
        )
