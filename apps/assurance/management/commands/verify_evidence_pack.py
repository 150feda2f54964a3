"""Check a downloaded evidence pack: `manage.py verify_evidence_pack FILE [--tenant SLUG]`.

The file's SHA-256 must be the one recorded for a pack in that tenant's audit trail (every
tenant is searched when none is named), and the chain must be intact up to that record.
Exit status 0 when it verifies, 1 when it does not."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.assurance.packs import verify_pack_file
from apps.tenancy.context import client_tenants


class Command(BaseCommand):
    help = "Verify a downloaded evidence pack against the audit trail."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--tenant", default="", help="the tenant's slug (default: search all)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        data = path.read_bytes()
        wanted = options["tenant"]
        for tenant in client_tenants():
            if wanted and tenant.slug != wanted:
                continue
            result = verify_pack_file(data)
            if result.pack is None:
                continue
            line = (
                f"{tenant.slug}: pack {result.pack.pk} ({result.pack.title}), "
                f"SHA-256 {result.sha256}, recorded {result.recorded_at}: {result.message}"
            )
            if result.ok:
                self.stdout.write(self.style.SUCCESS(f"VERIFIED {line}"))
                return
            raise CommandError(f"NOT VERIFIED {line}")
        sha = hashlib.sha256(data).hexdigest()
        where = f"tenant {wanted}" if wanted else "any tenant"
        raise CommandError(
            f"NOT VERIFIED: SHA-256 {sha} is not a pack recorded by {where}; "
            "the file was altered or is not one of ours"
        )
