"""`manage.py link_contract_notes --tenant acme`: link requisitions whose free-text contract
reference (now a note) is the number of a registered contract. Run once after registering the
contracts a tenant used to type; safe to run again (linked requisitions are skipped)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.procurement.services.contract_spend import requisition_notes_link
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client


class Command(BaseCommand):
    help = "Link requisitions whose contract note names a registered contract."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug, e.g. acme")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Client.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']}.")
        with tenant_context(tenant):
            linked = requisition_notes_link()
        self.stdout.write(f"{linked} requisitions linked to their contract.")
