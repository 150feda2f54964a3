"""`manage.py readiness [--only worker]`: /readyz's checks from a shell (the worker's and
beat's container health checks, which serve no HTTP); exits 1 when one fails."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.monitoring.readiness import CHECKS


class Command(BaseCommand):
    help = "Run /readyz's checks (all, or those named) and exit 1 if one fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", action="append", choices=list(CHECKS), default=[])

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["only"] or list(CHECKS)
        answers = {name: CHECKS[name]() for name in names}
        self.stdout.write(json.dumps({n: r or "ok" for n, r in answers.items()}))
        failing = [n for n, reason in answers.items() if reason]
        if failing:
            raise CommandError(f"failing: {', '.join(failing)}")
