"""Cloning the tenant template schema into a new tenant's schema.

django-tenants ships a general-purpose plpgsql `clone_schema` that handles every kind of
object and takes ~0.6 s for our template. Ours covers what Django migrations create here —
tables (with identity columns), their rows, constraints, indexes, plpgsql functions and
triggers — with the same names as in the template (later migrations drop and alter them by
name), in a few catalog reads and one batch of DDL. When the template holds anything else
(views, sequences not owned by an identity column, types, …) it falls back to django-tenants'
function, so a clone is never silently incomplete.
"""

from __future__ import annotations

from typing import Any

from django.db import connection as default_connection
from django.db import transaction
from django_tenants.clone import CloneSchema
from psycopg import sql

# relkinds we reproduce: ordinary table, index, identity-owned sequence
_HANDLED_RELKINDS = {"r", "i", "S"}


def _fetch(cursor: Any, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    cursor.execute(query, params)
    return list(cursor.fetchall())


def _unsupported(cursor: Any, template: str) -> list[str]:
    """Objects in the template this clone does not reproduce."""
    problems = [
        f"relation {name} ({kind})"
        for name, kind in _fetch(
            cursor,
            "SELECT c.relname, c.relkind FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            [template],
        )
        if kind not in _HANDLED_RELKINDS
    ]
    problems += [
        f"sequence {name} not owned by an identity column"
        for (name,) in _fetch(
            cursor,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'S' AND NOT EXISTS ("
            "  SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')",
            [template],
        )
    ]
    problems += [
        f"type {name}"
        for (name,) in _fetch(
            cursor,
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = %s AND t.typtype NOT IN ('c', 'b') ",
            [template],
        )
    ]
    problems += [
        f"function {name} in {language}"
        for name, language in _fetch(
            cursor,
            "SELECT p.proname, l.lanname FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " JOIN pg_language l ON l.oid = p.prolang"
            " WHERE n.nspname = %s AND l.lanname <> 'plpgsql'",
            [template],
        )
    ]
    return problems


def clone_schema(template: str, target: str) -> None:
    """Create schema `target` as a copy of `template`: structure and rows. Both names are
    validated schema names (lower-case letters, digits, underscores)."""
    connection: Any = default_connection  # django-tenants' wrapper (set_schema_to_public)
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        if _unsupported(cursor, template):
            CloneSchema().clone_schema(template, target, "DATA")
            return
        _clone(cursor, template, target)
    connection.set_schema_to_public()


def _clone(cursor: Any, template: str, target: str) -> None:
    tables = [
        name
        for (name,) in _fetch(
            cursor,
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
            [template],
        )
    ]
    # The catalog functions print some names qualified with the template's schema (an index's
    # table, a function's own name) and others not, depending on the search path. Reading them
    # with only the template on the path and then replacing the template's qualifier makes
    # every statement create its object in the target, with the search path set to the target.
    cursor.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(template)))
    # not-null constraints (PostgreSQL 18 catalogs them, contype 'n') are not added again:
    # `CREATE TABLE … LIKE` copies every one, with its name, and adding them one by one was
    # half of a clone's statements (tests/tenancy/test_cloning.py compares the catalogs)
    constraints = _fetch(
        cursor,
        "SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid), co.contype"
        " FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid"
        " JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = %s"
        " AND co.contype <> 'n'"
        " ORDER BY co.contype = 'f', cl.relname, co.conname",
        [template],
    )
    indexes = _fetch(
        cursor,
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace"
        " WHERE n.nspname = %s AND NOT EXISTS ("
        "  SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid)",
        [template],
    )
    functions = _fetch(
        cursor,
        "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s",
        [template],
    )
    triggers = _fetch(
        cursor,
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND NOT t.tgisinternal",
        [template],
    )
    identities = _fetch(
        cursor,
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND a.attidentity <> '' AND NOT a.attisdropped",
        [template],
    )

    def retarget(definition: str) -> sql.SQL:
        return sql.SQL(definition.replace(f"{template}.", f"{target}."))

    src, dst = sql.Identifier(template), sql.Identifier(target)
    # every statement of the copy goes to the server in one batch (none takes parameters, so
    # the simple protocol runs them in order): a round trip each was a third of a clone
    batch: list[sql.Composable] = [sql.SQL("CREATE SCHEMA {}").format(dst)]
    for table in tables:
        name = sql.Identifier(table)
        batch.append(
            sql.SQL(
                "CREATE TABLE {dst}.{t} (LIKE {src}.{t} INCLUDING DEFAULTS INCLUDING IDENTITY"
                " INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
            ).format(dst=dst, src=src, t=name)
        )
        batch.append(
            sql.SQL("INSERT INTO {dst}.{t} SELECT * FROM {src}.{t}").format(
                dst=dst, src=src, t=name
            )
        )
    for table, column in identities:
        # the identity sequence continues where the template's stands
        batch.append(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({dst_t}, {col}),"
                " COALESCE((SELECT max({c}) FROM {dst}.{t}), 0) + 1, false)"
            ).format(
                dst_t=sql.Literal(f'"{target}"."{table}"'),
                col=sql.Literal(column),
                c=sql.Identifier(column),
                dst=dst,
                t=sql.Identifier(table),
            )
        )
    batch.append(sql.SQL("SET LOCAL search_path TO {}").format(dst))
    for table, name, definition, _kind in constraints:
        batch.append(
            sql.SQL("ALTER TABLE {t} ADD CONSTRAINT {c} ").format(
                t=sql.Identifier(table), c=sql.Identifier(name)
            )
            + retarget(definition)
        )
    batch += [retarget(definition) for (definition,) in indexes]
    batch += [retarget(definition) for _name, definition in functions]
    batch += [retarget(definition) for (definition,) in triggers]
    batch.append(sql.SQL("SET LOCAL search_path TO public"))
    cursor.execute(sql.SQL(";\n").join(batch))
