from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet

from .context import current_tenant
from .models import Client, Domain, Partner


def partner_clients(partner: Partner) -> QuerySet[Client]:
    return (
        Client.objects.filter(partner=partner)
        .select_related("sandbox_of")
        .prefetch_related(
            Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "domain"))
        )
        .order_by("-created_at", "-id")
    )


def primary_domain(client: Client) -> str:
    domains = list(client.domains.all())
    primary = next((d for d in domains if d.is_primary), domains[0] if domains else None)
    return primary.domain if primary else ""


def across_client_schemas(select: str, clients: Iterable[Client] | None = None) -> str:
    """One statement over every client tenant (or over `clients`, a partner's own): `select`
    repeated per schema (`{schema}` in it becomes the quoted schema name, `{client_id}` the
    client's id) and joined with UNION ALL, so a figure across tenants is one round trip
    however many tenants there are. Empty when there are none. Run it from the public schema;
    `select` must be a constant of the caller, never user input."""
    if clients is None:
        clients = Client.objects.exclude(schema_name="public").only("pk", "schema_name")
    return " UNION ALL ".join(
        f"({select.format(schema=connection.ops.quote_name(c.schema_name), client_id=int(c.pk))})"
        for c in clients
        if c.schema_name != "public"
    )


def portal_url(client: Client | None = None) -> str:
    """Where people reach the current (or this) client's portal from outside, as links in
    mail and chat messages need it: TENANT_PORTAL_URL on its primary domain; "" without one."""
    client = client or current_tenant()
    if client is None:
        return ""
    with_domains = Client.objects.prefetch_related("domains").filter(pk=client.pk).first()
    domain = primary_domain(with_domains) if with_domains else ""
    return settings.TENANT_PORTAL_URL.format(domain=domain) if domain else ""
