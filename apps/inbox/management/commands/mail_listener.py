"""`manage.py mail_listener [--host 127.0.0.1] [--port 2525]`: receive invoice mail by SMTP
for every tenant (invoices@<tenant host>) until stopped. `make demo` runs it."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.inbox.smtp import listener


class Command(BaseCommand):
    help = "Receive invoice e-mail by SMTP (invoices@<tenant host>) until stopped."

    def add_arguments(self, parser: Any) -> None:
        host, _sep, port = settings.INVOICE_MAIL_SMTP_LISTEN.rpartition(":")
        parser.add_argument("--host", default=host or "127.0.0.1")
        parser.add_argument("--port", type=int, default=int(port or 2525))

    def handle(self, *args: Any, **options: Any) -> None:
        controller = listener(options["host"], options["port"])
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_a: stop.set())
        controller.start()
        self.stdout.write(
            f"Listening for invoice mail on {options['host']}:{options['port']} "
            f"({settings.INVOICE_MAIL_LOCAL_PART}@<tenant host>)"
        )
        try:
            stop.wait()
        finally:
            controller.stop()
