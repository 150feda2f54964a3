"""`manage.py tenant_restore FILE --slug NEW [--domain HOST]`: a backup as a new client tenant,
leaving every other tenant as it is (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.events.services import event_record_atomic
from apps.tenancy.backup import BackupError, tenant_restore
from apps.tenancy.context import public_context


class Command(BaseCommand):
    help = "Restore a tenant backup as a new client tenant and check it against its manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", required=True, help="the new tenant's slug and schema")
        parser.add_argument("--domain", help="its host (default: the old host, slug replaced)")

    def handle(self, *args: Any, **options: Any) -> None:
        with public_context():
            try:
                report = tenant_restore(
                    options["file"], slug=options["slug"], domain=options.get("domain")
                )
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            event_record_atomic(
                actor="system:backup",
                action="tenant.restored",
                subject_type="tenant",
                subject_id=report.client.slug,
                data={"file": str(options["file"]), "rows": report.rows, "files": report.files},
            )
        self.stdout.write(
            f"{report.client.slug}: {report.tables} tables, {report.rows} rows, "
            f"{report.files} files, audit trail of {report.audit_events} events verified"
        )
