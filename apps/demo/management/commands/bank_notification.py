"""`manage.py bank_notification --tenant acme PAY-000002 [--amount E2E=AMOUNT] [--output F]`:
write the camt.054 the bank would send back for a released payment run (demo and tests; a
real bank sends its own). Upload it at /payments/ or POST it to /api/v1/payments/statements/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.demo.bank import debit_notification
from apps.payments.models import PaymentRun
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client


class Command(BaseCommand):
    help = "Print the camt.054 a bank would send for a released payment run."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("run", help="the payment run's number, e.g. PAY-000002")
        parser.add_argument("--tenant", required=True, help="the tenant's slug, e.g. acme")
        parser.add_argument(
            "--amount",
            action="append",
            default=[],
            help="END_TO_END_ID=AMOUNT: the bank debited another amount for that payment",
        )
        parser.add_argument("--output", help="write the file here instead of to standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Client.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']}.")
        amounts = {}
        for pair in options["amount"]:
            key, _sep, value = pair.partition("=")
            amounts[key] = Decimal(value)
        with tenant_context(tenant):
            run = PaymentRun.objects.filter(number=options["run"]).first()
            if run is None or not run.pain001:
                raise CommandError(f"No released payment run {options['run']} in {tenant.slug}.")
            notification = debit_notification(run.pain001, amounts=amounts)
        if options["output"]:
            with open(options["output"], "wb") as out:
                out.write(notification)
            self.stderr.write(f"camt.054 for {options['run']} written to {options['output']}")
        else:
            self.stdout.write(notification.decode(), ending="")
