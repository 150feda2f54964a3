"""`manage.py tenant_region SLUG [REGION]`: show or record the region a client tenant lives in
(docs/residency.md: after moving it, the deployment it left records its new region)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.tenancy.context import public_context
from apps.tenancy.models import Client
from apps.tenancy.residency import WrongRegion, deployment_region, tenant_region_record


class Command(BaseCommand):
    help = "Show or record the region a client tenant lives in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("region", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        with public_context():
            client = Client.objects.filter(slug=options["slug"]).first()
            if client is None:
                raise CommandError(f"No client tenant {options['slug']!r}.")
            if options["region"]:
                try:
                    client = tenant_region_record(
                        client, options["region"], actor="system:residency"
                    )
                except WrongRegion as exc:
                    raise CommandError(exc.detail) from exc
        here = deployment_region()
        served = "served here" if client.region == here else f"not served here ({here})"
        self.stdout.write(f"{client.slug}: region {client.region}, {served}")
