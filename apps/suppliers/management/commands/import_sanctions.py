"""manage.py import_sanctions FILE: load an OFAC SDN CSV (public schema), then re-screen
every supplier of every tenant (queued to Celery, or at once with --now)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sanctions.importer import SanctionsFileError, import_sdn
from apps.tenancy.context import client_tenants, public_context


class Command(BaseCommand):
    help = "Import a sanctions list in the OFAC SDN CSV layout and re-screen all suppliers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="ofac_sdn")
        parser.add_argument(
            "--now", action="store_true", help="re-screen here instead of queueing to Celery"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from apps.suppliers.services.checks import suppliers_rescreen
        from apps.suppliers.tasks import rescreen_suppliers

        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with public_context():
                result = import_sdn(path, source=options["source"])
        except SanctionsFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(
            f"imported {result.entries} entries ({result.names} names and aliases), "
            f"sha256 {result.sanctions_list.sha256}"
        )
        for client in client_tenants():
            if options["now"]:
                count = suppliers_rescreen()
                self.stdout.write(f"  {client.slug}: re-screened {count} suppliers")
            else:
                rescreen_suppliers.delay()
                self.stdout.write(f"  {client.slug}: re-screening queued")
