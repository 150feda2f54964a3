"""django-tenants' migrate_schemas, which also migrates the template schema that new tenants
are cloned from (TENANT_BASE_SCHEMA), so a clone can never miss a migration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor
from django_tenants.utils import schema_exists

from apps.tenancy.context import tenant_connection


class Command(MigrateSchemasCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        # Only on a run over all tenants (not `--schema X`, which provisioning uses to fake
        # migrations on a fresh clone).
        if self.sync_tenant and not options.get("schema_name") and not options.get("fake"):
            template = settings.TENANT_BASE_SCHEMA
            if not schema_exists(template):
                with transaction.atomic(), tenant_connection().cursor() as cursor:
                    # Under Citus only client tenants' schemas are distributed: the template
                    # stays a regular schema on the coordinator (docs/scale.md, "Citus"). On
                    # PostgreSQL without Citus the setting is an inert placeholder.
                    cursor.execute("SET LOCAL citus.enable_schema_based_sharding = off")
                    cursor.execute(f'CREATE SCHEMA "{template}"')
            executor = get_executor(codename=self.executor)(self.args, self.options)
            executor.run_migrations(tenants=[template])
            tenant_connection().set_schema_to_public()
