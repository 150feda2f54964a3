"""Reads on sandbox tenants, and what promoting a sandbox's policy needs: the production
tenant it stands in for (`Client.sandbox_of`) and the policy document published in it."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from apps.policies.selectors import policy_published
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client, Domain, Partner


def partner_sandboxes(partner: Partner) -> QuerySet[Client]:
    """The partner's sandbox tenants, newest first, each with its production tenant."""
    return (
        Client.objects.filter(partner=partner, kind=Client.Kind.SANDBOX)
        .select_related("sandbox_of")
        .prefetch_related(
            Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
        )
        .order_by("-created_at", "-id")
    )


def partner_sandbox(partner: Partner, slug: str) -> Client | None:
    """One of the partner's sandboxes by its slug; None for anyone else's (or none)."""
    return partner_sandboxes(partner).filter(slug=slug).first()


def sandbox_production(sandbox: Client) -> Client:
    """The production tenant a sandbox stands in for (a promotion publishes there)."""
    if not sandbox.is_sandbox or sandbox.sandbox_of is None:
        raise ValueError(f"{sandbox.slug} is not a sandbox")
    return sandbox.sandbox_of


def sandbox_policy_document(sandbox: Client) -> dict[str, Any]:
    """The approval policy document published in the sandbox now: what a promotion offers
    the production tenant, through the template mechanism and its preview. Refused with
    `no_published_policy` (409) when none is published there."""
    sandbox_production(sandbox)
    with tenant_context(sandbox):
        return dict(policy_published().document)
