from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Client, Domain, Partner


def partner_clients(partner: Partner) -> QuerySet[Client]:
    return (
        Client.objects.filter(partner=partner)
        .prefetch_related(
            Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
        )
        .order_by("-created_at", "-id")
    )


def primary_domain(client: Client) -> str:
    domains = list(client.domains.all())
    primary = next((d for d in domains if d.is_primary), domains[0] if domains else None)
    return primary.domain if primary else ""
