"""`manage.py tenant_backup SLUG FILE`: one client tenant's rows and files (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.events.services import event_record_atomic
from apps.tenancy.backup import BackupError, tenant_backup
from apps.tenancy.context import public_context
from apps.tenancy.residency import WrongRegion


class Command(BaseCommand):
    help = "Back up one client tenant (its schema's rows and its stored files) to FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        with public_context():
            try:
                manifest = tenant_backup(options["slug"], options["file"])
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            except WrongRegion as exc:  # another region's deployment backs it up
                raise CommandError(exc.detail) from exc
            event_record_atomic(
                actor="system:backup",
                action="tenant.backed_up",
                subject_type="tenant",
                subject_id=options["slug"],
                data={
                    "file": str(options["file"]),
                    "tables": len(manifest["tables"]),
                    "files": len(manifest["files"]),
                    "audit_events": manifest["audit"]["count"],
                },
            )
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            f"{options['slug']}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['files'])} files, {manifest['audit']['count']} audit events "
            f"-> {options['file']}"
        )
