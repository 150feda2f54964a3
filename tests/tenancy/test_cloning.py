"""A new tenant's schema is an exact copy of the migrated template: structure, names, rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.tenancy.cloning import clone_schema

pytestmark = pytest.mark.django_db
TEMPLATE = settings.TENANT_BASE_SCHEMA

CATALOG = """
SELECT 'column', c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' notnull=' || a.attnotnull::text || ' identity=' || a.attidentity::text
       || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname = %(s)s AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r'
UNION ALL
SELECT 'constraint', cl.relname || '.' || co.conname || ' '
       || replace(pg_get_constraintdef(co.oid), %(q)s, '')
  FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
  JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = %(s)s
UNION ALL
SELECT 'index', replace(pg_get_indexdef(i.indexrelid), %(q)s, '')
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace WHERE n.nspname = %(s)s
UNION ALL
SELECT 'trigger', replace(pg_get_triggerdef(t.oid), %(q)s, '')
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s AND NOT t.tgisinternal
UNION ALL
SELECT 'function', replace(pg_get_functiondef(p.oid), %(q)s, '')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s
UNION ALL
SELECT 'relation', c.relname || ' ' || c.relkind::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = %(s)s AND c.relkind NOT IN ('S')
ORDER BY 1, 2
"""


def catalog(schema: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(CATALOG, {"s": schema, "q": f"{schema}."})
        return list(cursor.fetchall())


def row_counts(schema: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        tables = [t for (t,) in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_clone_is_identical_to_the_template() -> None:
    clone_schema(TEMPLATE, "clonecheck")
    template, clone = catalog(TEMPLATE), catalog("clonecheck")
    assert len(template) > 200
    assert clone == template
    assert row_counts("clonecheck") == row_counts(TEMPLATE)
    assert row_counts(TEMPLATE)["auth_permission"] > 0


def test_clone_has_every_migration_and_new_rows_get_fresh_ids(
    tenant_a: Any, in_tenant: Any
) -> None:
    from django.contrib.auth.models import Group

    clone_schema(TEMPLATE, "clonemig")
    from apps.tenancy.context import tenant_connection

    tenant_connection().set_schema("clonemig")
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    existing = set(Group.objects.values_list("pk", flat=True))
    assert existing  # roles were cloned
    assert Group.objects.create(name="new-role").pk not in existing
    tenant_connection().set_schema_to_public()


def test_template_objects_the_fast_clone_does_not_know_fall_back_to_the_full_clone() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE VIEW "{TEMPLATE}".audit_actions AS '
            f'SELECT DISTINCT action FROM "{TEMPLATE}".audit_auditevent'
        )
    clone_schema(TEMPLATE, "clonefallback")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.views WHERE table_schema = 'clonefallback'"
        )
        assert cursor.fetchone()[0] == 1
