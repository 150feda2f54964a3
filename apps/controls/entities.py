"""Legal-entity limits (docs/integrations.md, "Legal-entity limits"): an actor limited to some
legal entities — a service account's key — reads and writes only their documents. The key's
authentication puts the limit on the request's user (`limit_to_entities`); selectors narrow
their querysets with `within_entities` and services refuse an outside object with
`require_entity`. Outside the limit a document does not exist for the actor: lists leave it
out, a detail or an action on it is `404 not_found`, and an order, entity or contract named in
a body is refused as an unknown one is, so an answer never confirms that it exists.

People and the system are not limited this way (`entity_limit` is None for them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy

from .refusals import NotFound, PermissionRefused

_LIMIT = "legal_entity_limit"
OUTSIDE_DETAIL = gettext_lazy(
    "This document also binds legal entities outside those you are limited to (%s)."
)


def limit_to_entities(user: Any, codes: Iterable[str] | None) -> None:
    """Limit `user` (for this request) to the legal entities `codes`; empty or None: none."""
    limit = frozenset(code.upper() for code in codes or ())
    setattr(user, _LIMIT, limit or None)


def entity_limit(actor: Any) -> frozenset[str] | None:
    """The codes of the legal entities `actor` is limited to, or None (every entity)."""
    return getattr(actor, _LIMIT, None)


def entity_allowed(actor: Any, code: str | None) -> bool:
    """Whether a document of the entity `code` (None: of no entity) is within the limit."""
    return entity_within(entity_limit(actor), code)


def entity_within(codes: Iterable[str] | None, code: str | None) -> bool:
    """Whether the entity `code` (None: no entity) is among `codes` (empty or None: every
    entity), compared as the limit compares them: in upper case."""
    limit = frozenset(c.upper() for c in codes or ())
    return not limit or (code is not None and code.upper() in limit)


def within_entities[M: Model](
    found: QuerySet[M],
    actor: Any,
    *,
    field: str = "legal_entity",
    shared: bool = False,
    many: bool = False,
) -> QuerySet[M]:
    """`found` narrowed to the actor's legal entities. `field` leads to the LegalEntity (""
    when the rows are legal entities); `shared`: a row of no entity (a null `field`) is kept
    (a cost center shared by every entity); `many`: `field` is many-valued (a contract binds
    several entities) and a row is kept when one of them is within, without duplicates."""
    limit = entity_limit(actor)
    if limit is None:
        return found
    code = f"{field}__code" if field else "code"
    if many:
        ids = found.model._base_manager.filter(**{f"{code}__in": limit}).values("pk")
        return found.filter(pk__in=ids)
    where = Q(**{f"{code}__in": limit})
    if shared:
        where |= Q(**{f"{field}__isnull": True})
    return found.filter(where)


def require_entity(actor: Any, code: str | None) -> None:
    """Refuse (404 not_found) a document of an entity outside the actor's limit, as if it did
    not exist."""
    if not entity_allowed(actor, code):
        raise NotFound()


def all_within(actor: Any, codes: Iterable[str]) -> bool:
    """Whether every entity of `codes` is within the actor's limit."""
    limit = entity_limit(actor)
    return limit is None or {code.upper() for code in codes} <= limit


def require_all_entities(actor: Any, codes: Iterable[str]) -> None:
    """Refuse (403 permission_denied) a change to a document the actor may read but that also
    binds entities outside its limit (a contract shared with another entity): a limited actor
    reads it, and changes only what is wholly its own."""
    if not all_within(actor, codes):
        raise PermissionRefused(OUTSIDE_DETAIL % ", ".join(sorted(entity_limit(actor) or ())))
