"""How much a client tenant keeps: the bytes of its schema's tables (with their indexes and
TOAST) and of the files stored under its prefix (originals of invoices, kept mails, supplier
documents, attachments). Only tenancy knows where a tenant's schema and files are."""

from __future__ import annotations

import os
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import connection

from .context import tenant_context
from .models import Client


def database_bytes(clients: Iterable[Client]) -> dict[int, int]:
    """{client id: bytes of its schema's tables and materialized views}, one statement."""
    by_schema = {c.schema_name: int(c.pk) for c in clients}
    if not by_schema:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, coalesce(sum(pg_total_relation_size(c.oid)), 0) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'm') GROUP BY n.nspname",
            [list(by_schema)],
        )
        found = {name: int(size) for name, size in cursor.fetchall()}
    return {pk: found.get(name, 0) for name, pk in by_schema.items()}


def files_bytes(client: Client) -> int:
    """The bytes of the files under the tenant's storage prefix (a walk of its folder; no
    query)."""
    with tenant_context(client):
        root = default_storage.path("")
    total = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:  # removed while walking
                continue
    return total
