from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.events.docs import render


class Command(BaseCommand):
    help = "Write docs/events.md from the event types (apps/events/event_types.py)."

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "events.md"
        path.write_text(render())
        self.stdout.write(f"wrote {path}")
