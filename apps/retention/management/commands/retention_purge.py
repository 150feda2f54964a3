"""`manage.py retention_purge --tenant SLUG [--dry-run]`: one tenant's purge now, printing per
kind what goes (or, with --dry-run, what would go) and what is held back."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.retention.services.purge import retention_purge
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client


class Command(BaseCommand):
    help = "Purge one tenant's records past their retention period (legal holds respected)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="the client tenant's slug")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would go; delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client = Client.objects.filter(slug=options["tenant"]).first()
        if client is None:
            raise CommandError(f"No client tenant {options['tenant']!r}.")
        dry = options["dry_run"]
        with tenant_context(client):
            runs = retention_purge(actor="system:retention-command", dry_run=dry)
        verb = "would purge" if dry else "purged"
        for run in runs:
            cutoff = ", ".join(f"{k} {v}" for k, v in run.cutoff.items())
            held = ", ".join(f"{k} {v}" for k, v in run.held_back_reasons.items()) or "none"
            self.stdout.write(
                f"{run.kind}: {verb} {run.purged} (rows: {sum(run.deleted.values())}); "
                f"held back {run.held_back} ({held}); cutoff {cutoff}"
            )
            for label, count in run.deleted.items():
                self.stdout.write(f"    {label}: {count}")
        if dry:
            self.stdout.write("Dry run: nothing was deleted.")
