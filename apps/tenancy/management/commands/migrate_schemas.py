"""django-tenants' migrate_schemas, which also migrates the template schema that new tenants
are cloned from (TENANT_BASE_SCHEMA), so a clone can never miss a migration, and which opens
only the schemas with a migration to apply (apps/tenancy/migrating.py): with nothing pending,
a run over a thousand tenants is a few queries.

`--every-schema` opens every schema as django-tenants does; a run does so by itself while
the definitions post_migrate writes from code (roles) differ from what the schemas last
received. `--executor=parallel` is django-tenants' `multiprocessing` executor
(TENANT_MULTIPROCESSING_MAX_PROCESSES processes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.db import transaction
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_tenant_migration_order, schema_exists

from apps.tenancy.context import tenant_connection
from apps.tenancy.migrating import (
    definitions_synced,
    definitions_synced_record,
    schemas_to_migrate,
)
from apps.tenancy.models import Client

# options under which a run is not "every schema up to the latest migration"
_PARTIAL = ("app_label", "migration_name", "fake", "fake_initial", "prune", "schema_name")
# options under which a run applies nothing, so it leaves post_migrate's rows as they were
_READ_ONLY = ("plan", "check_unapplied")


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--every-schema",
            action="store_true",
            dest="every_schema",
            help="Open every schema, also those that already hold every migration on disk.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("executor") == "parallel":
            options["executor"] = "multiprocessing"
        partial = any(options.get(name) for name in _PARTIAL)
        read_only = any(options.get(name) for name in _READ_ONLY)
        skipping = not (partial or options.get("every_schema") or options.get("run_syncdb"))
        if skipping and definitions_synced():
            self.migrate_behind(*args, **options)
            return
        super().handle(*args, **options)
        # Only on a run over all tenants (not `--schema X`, which provisioning uses to fake
        # migrations on a fresh clone).
        if self.sync_tenant and not options.get("schema_name") and not options.get("fake"):
            self.template_ensure()
            executor = get_executor(codename=self.executor)(self.args, self.options)
            executor.run_migrations(tenants=[settings.TENANT_BASE_SCHEMA])
            tenant_connection().set_schema_to_public()
        if not (partial or read_only) and self.sync_public and self.sync_tenant:
            definitions_synced_record()  # every schema was opened, post_migrate ran in each

    def migrate_behind(self, *args: Any, **options: Any) -> None:
        """Public, every client tenant and the template (or those `--shared` / `--tenant`
        name), minus the schemas that already hold every migration on disk."""
        self.set_up(*args, **options)
        schemas = [settings.PUBLIC_SCHEMA_NAME] if self.sync_public else []
        if self.sync_tenant:
            self.template_ensure()
            tenants = Client.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
            if order := get_tenant_migration_order():
                tenants = tenants.order_by(*order)
            schemas += [*tenants.values_list("schema_name", flat=True)]
            schemas.append(settings.TENANT_BASE_SCHEMA)
        behind = schemas_to_migrate(schemas)
        if int(options.get("verbosity", 1)) >= 1:
            self.stdout.write(
                f"{len(behind)} of {len(schemas)} schemas have migrations to apply; the others "
                "hold every migration on disk and are not opened (--every-schema opens them)."
            )
        if behind:
            executor = get_executor(codename=self.executor)(self.args, self.options)
            executor.run_migrations(tenants=behind)
        tenant_connection().set_schema_to_public()

    def set_up(self, *args: Any, **options: Any) -> None:
        """django-tenants' reading of the options (which schemas: --shared, --tenant)."""
        super(MigrateSchemasCommand, self).handle(*args, **options)

    def template_ensure(self) -> None:
        template = settings.TENANT_BASE_SCHEMA
        if not schema_exists(template):
            with transaction.atomic(), tenant_connection().cursor() as cursor:
                # Under Citus only client tenants' schemas are distributed: the template
                # stays a regular schema on the coordinator (docs/scale.md, "Citus"). On
                # PostgreSQL without Citus the setting is an inert placeholder.
                cursor.execute("SET LOCAL citus.enable_schema_based_sharding = off")
                cursor.execute(f'CREATE SCHEMA "{template}"')
