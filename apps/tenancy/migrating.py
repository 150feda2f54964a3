"""Which schemas `migrate_schemas` opens (docs/operations.md, "Deploying a new version").

django-tenants opens every schema on every run: it builds Django's migration plan there and
sends post_migrate, about half a second per schema when there is nothing to apply (django-tenants
#719: 12 minutes for 900 schemas). Here one statement per few hundred schemas reads their
`django_migrations` tables side by side and names the schemas that lack a migration on disk;
only those are opened. A schema holding every migration on disk has an empty plan, so leaving
it closed changes nothing in it.

One thing is not written by migrations: what post_migrate receivers write from code in every
schema (the roles' permissions, apps/accounts/roles.py). Those definitions are registered here;
their digest is kept in the public schema by each run that opened every schema, and while the
definitions in the code differ from it, `migrate_schemas` opens every schema again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from itertools import batched
from typing import Any

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from psycopg import sql

from apps.controls.registries import KeyedRegistry

from .context import public_context
from .models import SchemaSync

# schemas per statement: a few hundred UNION ALL branches plan in milliseconds
SCHEMAS_PER_QUERY = 250

_definitions = KeyedRegistry[Callable[[], Any]](
    "tenancy.migrating.register_schema_definitions",
    "what post_migrate writes into every schema from code (roles and their permissions): "
    "when it changes, the next migrate_schemas opens every schema",
)


def register_schema_definitions(app_label: str, definitions: Callable[[], Any]) -> None:
    """An app whose post_migrate receiver writes rows from code (not from a migration) names
    what it writes, as JSON-like data (sets allowed): a change to it is a change every schema
    must receive, so the next `migrate_schemas` opens them all. Registered in its
    AppConfig.ready()."""
    _definitions[app_label] = definitions


def definitions_digest() -> str:
    """SHA-256 of every registered definition, the same in every process for the same code."""
    data = {label: definitions() for label, definitions in sorted(_definitions.items())}
    text = json.dumps(data, sort_keys=True, default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def definitions_synced() -> bool:
    """Whether every schema received the definitions in the code now: the last run that
    opened every schema recorded their digest. False before any run recorded one."""
    with public_context():
        if SchemaSync._meta.db_table not in connection.introspection.table_names():
            return False  # the public schema is not migrated this far yet
        return SchemaSync.objects.filter(digest=definitions_digest()).exists()


def definitions_synced_record() -> None:
    """After a run that opened every schema: they all hold the definitions in the code now."""
    with public_context():
        SchemaSync.objects.update_or_create(
            pk=1, defaults={"digest": definitions_digest(), "synced_at": timezone.now()}
        )


def disk_migrations() -> list[tuple[str, str]]:
    """Every migration on disk as (app, name), a squashed migration in place of those it
    replaces (a schema recording only the replaced ones is opened once, and Django records
    the squash there)."""
    return sorted(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def schemas_to_migrate(schemas: Sequence[str]) -> list[str]:
    """Those of `schemas` (in their order) that lack a migration on disk, or have no
    `django_migrations` table at all (a schema not migrated yet, or none yet)."""
    expected = disk_migrations()
    apps_on_disk = [app for app, _name in expected]
    names_on_disk = [name for _app, name in expected]
    with public_context(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = 'django_migrations' AND c.relkind = 'r'"
            " AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        recording = {name for (name,) in cursor.fetchall()}
        behind = {schema for schema in schemas if schema not in recording}
        for chunk in batched([s for s in schemas if s in recording], SCHEMAS_PER_QUERY):
            cursor.execute(_behind_statement(chunk), [apps_on_disk, names_on_disk])
            behind.update(name for (name,) in cursor.fetchall())
    return [schema for schema in schemas if schema in behind]


def _behind_statement(schemas: Sequence[str]) -> sql.Composed:
    """One statement naming those of `schemas` whose django_migrations lacks a row of the
    migrations on disk, given as its two parameters: the apps and the names (arrays)."""
    branch = sql.SQL(
        "(SELECT {name} WHERE EXISTS (SELECT 1 FROM disk WHERE NOT EXISTS ("
        "SELECT 1 FROM {schema}.django_migrations m"
        " WHERE m.app = disk.app AND m.name = disk.name)))"
    )
    branches = sql.SQL(" UNION ALL ").join(
        branch.format(name=sql.Literal(schema), schema=sql.Identifier(schema)) for schema in schemas
    )
    return sql.SQL(
        "WITH disk (app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[]))"
        " SELECT * FROM ({}) AS behind"
    ).format(branches)
