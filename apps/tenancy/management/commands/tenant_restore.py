"""`manage.py tenant_restore FILE --slug NEW [--domain HOST] [--moved-from REGION]`: a backup as
a new client tenant of this deployment's region, leaving every other tenant as it is
(docs/operations.md); a backup of another region's tenant only as its move here
(docs/residency.md)."""

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
        parser.add_argument(
            "--moved-from",
            help="the region the backed-up tenant lived in, when it moves to this deployment's",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with public_context():
            try:
                report = tenant_restore(
                    options["file"],
                    slug=options["slug"],
                    domain=options.get("domain"),
                    moved_from=options.get("moved_from"),
                )
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            event_record_atomic(
                actor="system:backup",
                action="tenant.restored",
                subject_type="tenant",
                subject_id=report.client.slug,
                data={
                    "file": str(options["file"]),
                    "rows": report.rows,
                    "files": report.files,
                    "region": report.client.region,
                    "moved_from": report.moved_from,
                },
            )
        self.stdout.write(
            f"{report.client.slug}: {report.tables} tables, {report.rows} rows, "
            f"{report.files} files, audit trail of {report.audit_events} events verified"
        )
