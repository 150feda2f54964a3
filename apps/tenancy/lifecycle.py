"""The end of a client tenant's data: its schema dropped, its domains, logo and stored files
removed. The Client row stays, `offboarded`, as the tombstone the public trail and its days
name (apps/partners/services/lifecycle.py decides when; this module is the only place that
drops a tenant's schema)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from .context import tenant_connection
from .models import BrandLogo, Client, Domain


def tenant_media(client: Client) -> Path:
    return Path(settings.MEDIA_ROOT) / (
        settings.MULTITENANT_RELATIVE_MEDIA_ROOT % client.schema_name
    )


def client_data_delete(client: Client) -> dict[str, Any]:
    """Drop the tenant's schema (in the caller's transaction), remove its domains and logo,
    and once that commits its stored files. What was removed, for the trail."""
    if client.is_public or client.schema_name == settings.TENANT_BASE_SCHEMA:
        raise ValueError("only a client tenant's schema may be dropped")
    tenant_connection().set_schema_to_public()
    domains = sorted(Domain.objects.filter(tenant=client).values_list("domain", flat=True))
    Domain.objects.filter(tenant=client).delete()
    BrandLogo.objects.filter(client=client).delete()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # checks deferred by this transaction's own earlier writes fire now: PostgreSQL will
        # not drop a table with a check still pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(client.schema_name))
        )
    media = tenant_media(client)
    files = sum(1 for p in media.rglob("*") if p.is_file()) if media.is_dir() else 0
    transaction.on_commit(lambda: shutil.rmtree(media, ignore_errors=True))
    return {"schema_dropped": client.schema_name, "domains_removed": domains, "files": files}
