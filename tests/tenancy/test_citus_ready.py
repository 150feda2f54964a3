"""The tenant schema stays distributable by Citus's schema-based sharding (docs/scale.md,
"Citus"), checked on the migrated template and the session's tenants, since no cluster runs
here: no foreign key crosses into or out of a tenant schema (Citus allows only keys within a
distributed schema, or to reference tables), no inheritance, partitioning or foreign tables,
and only the triggers the Citus section accounts for. And every module whose SQL Citus limits
(COPY, temporary tables, advisory locks, triggers, session settings, statements across
schemas) is named in that section with how it behaves there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.tenancy.models import Client
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
TEMPLATE = settings.TENANT_BASE_SCHEMA


def _tenant_schemas() -> list[str]:
    clients = Client.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
    return [TEMPLATE, *clients.values_list("schema_name", flat=True)]


def _rows(query: str, params: dict[str, object]) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def test_no_foreign_key_crosses_a_tenant_schemas_border() -> None:
    schemas = _tenant_schemas()
    assert len(schemas) >= 3  # the template and the session's tenants
    crossing = _rows(
        """
        SELECT sn.nspname || '.' || s.relname, co.conname, tn.nspname || '.' || t.relname
          FROM pg_constraint co
          JOIN pg_class s ON s.oid = co.conrelid JOIN pg_namespace sn ON sn.oid = s.relnamespace
          JOIN pg_class t ON t.oid = co.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE co.contype = 'f' AND sn.nspname <> tn.nspname
           AND (sn.nspname = ANY(%(schemas)s) OR tn.nspname = ANY(%(schemas)s))
        """,
        {"schemas": schemas},
    )
    assert crossing == []
    # the check sees foreign keys at all: the template holds many, each within itself
    (inside,) = _rows(
        "SELECT count(*) FROM pg_constraint co JOIN pg_class s ON s.oid = co.conrelid"
        " JOIN pg_namespace n ON n.oid = s.relnamespace WHERE co.contype = 'f'"
        " AND n.nspname = %(t)s",
        {"t": TEMPLATE},
    )[0]
    assert int(inside) > 50  # type: ignore[call-overload]


def test_no_table_kind_a_distributed_schema_refuses() -> None:
    refused = _rows(
        """
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(t)s AND (c.relkind IN ('p', 'f') OR c.relispartition
               OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid
                          OR i.inhparent = c.oid))
        """,
        {"t": TEMPLATE},
    )
    assert refused == []


def test_every_tenant_table_has_a_primary_key() -> None:
    """Moving a tenant between nodes while it is written (`citus_schema_move`, the
    rebalancer) uses logical replication, which needs each table's primary key."""
    keyless = _rows(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = %(t)s AND c.relkind = 'r' AND NOT EXISTS (
               SELECT 1 FROM pg_constraint co WHERE co.conrelid = c.oid AND co.contype = 'p')
        """,
        {"t": TEMPLATE},
    )
    assert keyless == []


def test_the_only_triggers_are_the_audit_trails_own() -> None:
    """Citus creates a trigger on a distributed table only with `citus.enable_unsafe_triggers`
    and runs it on the node that holds the table: these run there safely because their
    function reads nothing but the row and a setting forwarded by SET LOCAL. A new trigger
    needs the same thought, and a line in docs/scale.md."""
    triggers = _rows(
        """
        SELECT c.relname, t.tgname, p.proname, pn.nspname = n.nspname
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
         WHERE n.nspname = %(t)s AND NOT t.tgisinternal ORDER BY t.tgname
        """,
        {"t": TEMPLATE},
    )
    # the function lives in the tenant's own schema, so it travels with the schema
    assert triggers == [
        ("audit_auditevent", "audit_event_append_only", "audit_event_append_only", True),
        ("audit_auditevent", "audit_event_no_truncate", "audit_event_append_only", True),
    ]


SQL_CITUS_LIMITS = re.compile(
    r"""["']COPY [\w{}.]+|CREATE TEMP(?:ORARY)? TABLE|pg_(?:try_)?advisory_(?:xact_)?lock"""
    r"""|CREATE TRIGGER|set_config\(|SET LOCAL [a-z_.]+|SET search_path"""
    r"""|RESET search_path|across_client_schemas\(|pg_total_relation_size"""
    r"""|(?:CREATE|DROP) SCHEMA|SET CONSTRAINTS"""
)


def _citus_section() -> str:
    text = (ROOT / "docs" / "scale.md").read_text()
    start = text.index("\n## Citus")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_module_whose_sql_citus_limits_is_accounted_for() -> None:
    section = _citus_section()
    modules = sorted(
        str(path.relative_to(ROOT))
        for folder in ("apps", "config")
        for path in (ROOT / folder).rglob("*.py")
        if SQL_CITUS_LIMITS.search(Path(path).read_text())
    )
    assert len(modules) >= 15
    assert [m for m in modules if f"`{m}`" not in section] == []
