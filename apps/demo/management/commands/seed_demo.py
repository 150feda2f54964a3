from typing import Any

from django.core.management.base import BaseCommand

from apps.demo.tenants import seed_demo


class Command(BaseCommand):
    help = "Create or complete the demo partner, tenants, users and reference data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Seeding the demo…")
        seed_demo(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo ready."))
