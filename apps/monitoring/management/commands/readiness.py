"""`manage.py readiness [--only worker] [--queue matching]`: /readyz's checks from a shell
(the worker's and beat's container health checks, which serve no HTTP), and the heartbeat of
the workers consuming a queue (a per-queue worker's container); exits 1 when one fails."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.monitoring.readiness import CHECKS, heartbeat_of


class Command(BaseCommand):
    help = "Run /readyz's checks (all, or those named) and exit 1 if one fails."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", action="append", choices=list(CHECKS), default=[])
        parser.add_argument(
            "--queue",
            action="append",
            choices=[queue.name for queue in settings.CELERY_TASK_QUEUES],
            default=[],
            help="the heartbeat of the workers consuming this queue",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [f"worker:{name}" for name in options["queue"]]
        checks = {name: CHECKS[name] for name in options["only"]}
        checks |= {name: heartbeat_of(name) for name in queues}
        answers = {name: check() for name, check in (checks or CHECKS).items()}
        self.stdout.write(json.dumps({n: r or "ok" for n, r in answers.items()}))
        failing = [n for n, reason in answers.items() if reason]
        if failing:
            raise CommandError(f"failing: {', '.join(failing)}")
