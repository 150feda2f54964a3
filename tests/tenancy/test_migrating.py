"""`migrate_schemas` opens only the schemas with a migration to apply (apps/tenancy/migrating.py),
against the real schemas of the test database: public, the template and the client tenants.
Each run happens inside the test's transaction (PostgreSQL rolls the DDL back); a schema
counts as opened when django-tenants starts migrating it."""

from __future__ import annotations

import shutil
import sys
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext
from django_tenants.signals import schema_pre_migration

from apps.accounts import roles
from apps.tenancy.migrating import definitions_digest
from apps.tenancy.models import Client, SchemaSync
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
TEMPLATE = settings.TENANT_BASE_SCHEMA
SCRATCH_TABLE = "scim_scratch_note"


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """The schemas migrate_schemas opens, in the order it opens them."""
    schemas: list[str] = []

    def record(sender: Any, schema_name: str, **kwargs: Any) -> None:
        schemas.append(schema_name)

    schema_pre_migration.connect(record, weak=False)
    try:
        yield schemas
    finally:
        schema_pre_migration.disconnect(record)


def every_schema() -> list[str]:
    clients = Client.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    return sorted(["public", TEMPLATE, *clients])


@pytest.fixture
def scratch_migration(tmp_path: Path, settings: Any) -> Iterator[None]:
    """The scim app with one migration more on disk (a table in each tenant schema, as a
    release adding a migration would have): its migrations package copied with the new one
    beside them, and MIGRATION_MODULES pointing there for this test."""
    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("scim")
    package = f"scim_migrations_{uuid.uuid4().hex[:8]}"
    shutil.copytree(
        ROOT / "apps" / "scim" / "migrations",
        tmp_path / package,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (tmp_path / package / "0999_scratch_note.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [('scim', '{leaf[1]}')]\n"
        "    operations = [\n"
        f"        migrations.RunSQL('CREATE TABLE {SCRATCH_TABLE} (id integer)',"
        f" 'DROP TABLE {SCRATCH_TABLE}'),\n"
        "    ]\n"
    )
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"scim": package}
    try:
        yield
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


def has_scratch_table(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".{SCRATCH_TABLE}'])
        return bool(cursor.fetchone()[0])


def test_with_nothing_pending_no_schema_is_opened_and_the_check_is_a_few_queries(
    opened: list[str],
) -> None:
    assert len(every_schema()) >= 4  # public, the template, tenant a and tenant b
    with CaptureQueriesContext(connection) as queries:
        call_command("migrate_schemas", verbosity=0)
    assert opened == []
    reads = [q["sql"] for q in queries if not q["sql"].startswith(("SET ", "SHOW "))]
    # the recorded definitions, the tenants, the template's schema, the catalog, the union
    assert len(reads) <= 6, [sql[:80] for sql in reads]

    call_command("migrate_schemas", verbosity=0, every_schema=True)
    assert sorted(opened) == every_schema()  # the count sees schemas that are opened


def test_a_migration_added_reaches_every_schema_then_none_is_opened(
    scratch_migration: None, opened: list[str]
) -> None:
    call_command("migrate_schemas", verbosity=0)
    assert sorted(opened) == every_schema()
    assert opened[0] == "public" and opened[-1] == TEMPLATE
    clients = [s for s in every_schema() if s != "public"]
    assert all(has_scratch_table(schema) for schema in clients)
    assert not has_scratch_table("public")  # scim lives in tenant schemas only

    opened.clear()
    call_command("migrate_schemas", verbosity=0)
    assert opened == []


def test_a_tenant_missing_a_migration_is_the_only_one_opened(
    scratch_migration: None, opened: list[str], tenant_b: Any
) -> None:
    call_command("migrate_schemas", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{tenant_b.schema_name}".{SCRATCH_TABLE}')
        cursor.execute(
            f'DELETE FROM "{tenant_b.schema_name}".django_migrations'
            " WHERE app = 'scim' AND name = '0999_scratch_note'"
        )
    opened.clear()

    call_command("migrate_schemas", verbosity=0)
    assert opened == [tenant_b.schema_name]
    assert has_scratch_table(tenant_b.schema_name)


def test_changed_roles_reach_every_schema_once(
    opened: list[str], tenant_b: Any, in_tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role's capabilities change without a migration: post_migrate writes them, so the
    next run opens every schema, and the one after that none again."""
    from django.contrib.auth.models import Group

    before = definitions_digest()
    granted = roles.ROLE_CAPABILITIES[roles.AUDITOR] | {"process_invoices"}
    monkeypatch.setitem(roles.ROLE_CAPABILITIES, roles.AUDITOR, granted)
    assert definitions_digest() != before

    call_command("migrate_schemas", verbosity=0)
    assert sorted(opened) == every_schema()
    with in_tenant(tenant_b):
        auditor = Group.objects.get(name=roles.AUDITOR)
        assert auditor.permissions.filter(codename="process_invoices").exists()
    assert SchemaSync.objects.get().digest == definitions_digest()

    opened.clear()
    call_command("migrate_schemas", verbosity=0)
    assert opened == []


def test_a_run_for_one_app_or_with_fake_is_django_tenants_own(opened: list[str]) -> None:
    """A partial run (one app, one schema, --fake) is not a run to the latest migration, so
    it opens what django-tenants opens."""
    call_command("migrate_schemas", "scim", verbosity=0)
    assert sorted(opened) == every_schema()


def test_every_post_migrate_receiver_of_ours_names_what_it_writes() -> None:
    """A receiver writing rows from code must register them (register_schema_definitions),
    or a change to them would never reach a schema that is not opened."""
    from apps.controls.registries import REGISTRIES

    (registry,) = [
        r for r in REGISTRIES if r.register == "tenancy.migrating.register_schema_definitions"
    ]
    receivers = [
        ref() if isinstance(ref, weakref.ReferenceType) else ref
        for _key, ref, *_rest in post_migrate.receivers
    ]
    ours = {
        receiver.__module__.split(".")[1]
        for receiver in receivers
        if receiver is not None and receiver.__module__.startswith("apps.")
    }
    assert ours and ours <= set(registry), ours - set(registry)
