"""Play an ERP: send one signed event to a tenant's `POST /api/v1/erp/events/`, over HTTP, as a
real ERP would (Standard Webhooks headers signed with the ERP connection's secret).

    manage.py erp_simulate payment.executed --tenant acme --secret whsec_… --invoice INV-1001
    manage.py erp_simulate invoice.posted --tenant acme --secret whsec_… --invoice INV-1001 \\
        --document FI-4711
    manage.py erp_simulate supplier.upserted --tenant acme --secret whsec_… \\
        --external-id V-1001 --name "Nordwind GmbH" --country DE --email ap@nordwind.example

The secret is the one `/settings/integrations/` showed when the ERP connection was added.
Without `--amount`, a payment pays what is still open on the invoice."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal
from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Sum

from apps.integrations.erp.inbound import TYPES
from apps.integrations.webhooks.signing import headers as signed_headers
from apps.invoices.models import Invoice
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client


class Command(BaseCommand):
    help = "Send one signed ERP event (invoice.posted, payment.executed, supplier.upserted)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("type", choices=TYPES)
        parser.add_argument("--tenant", required=True, help="the tenant's slug, e.g. acme")
        parser.add_argument("--secret", required=True, help="the ERP connection's whsec_ secret")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server")
        parser.add_argument("--host", help="Host header (default <tenant>.localhost:8000)")
        parser.add_argument("--invoice", help="invoice number or id")
        parser.add_argument("--amount", help="payment amount (default: what is still open)")
        parser.add_argument("--reference", default="", help="the ERP's payment reference")
        parser.add_argument("--document", help="ERP document number (invoice.posted)")
        parser.add_argument("--external-id", help="the ERP's supplier id (supplier.upserted)")
        parser.add_argument("--name")
        parser.add_argument("--country")
        parser.add_argument("--tax-id")
        parser.add_argument("--email")
        parser.add_argument("--webhook-id", help="send with this id (a replay, to try)")

    def handle(self, *args: Any, **options: Any) -> None:
        client = Client.objects.filter(slug=options["tenant"]).first()
        if client is None:
            raise CommandError(f"No tenant {options['tenant']}.")
        with tenant_context(client):
            data = self._data(options)
        body = json.dumps({"type": options["type"], "data": data}).encode()
        message_id = options["webhook_id"] or f"msg_{uuid.uuid4().hex}"
        try:
            response = requests.post(
                options["url"].rstrip("/") + "/api/v1/erp/events/",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "Host": options["host"] or f"{client.slug}.localhost:8000",
                    **signed_headers([options["secret"]], message_id, int(time.time()), body),
                },
                timeout=30,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise CommandError(f"Cannot reach {options['url']}: {exc}") from exc
        status, answer = response.status_code, response.content
        self.stdout.write(f"{options['type']} {message_id} → {status}")
        self.stdout.write(answer.decode(errors="replace"))
        if status >= 400:
            raise CommandError(f"Refused with {status}.")

    def _data(self, options: dict[str, Any]) -> dict[str, Any]:
        kind = options["type"]
        if kind == "supplier.upserted":
            fields = ("external_id", "name", "country", "tax_id", "email")
            return {f: options[f] for f in fields if options.get(f)}
        invoice = self._invoice(options.get("invoice"))
        if kind == "invoice.posted":
            document = options.get("document") or f"ERP-{invoice.invoice_number}"
            return {"invoice": str(invoice.pk), "erp_document": document}
        paid = invoice.erp_payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        amount = options.get("amount") or str(invoice.payable - paid)
        return {
            "invoice_number": invoice.invoice_number,
            "supplier_tax_id": invoice.supplier.tax_id,
            "amount": amount,
            "currency": invoice.currency,
            "paid_on": time.strftime("%Y-%m-%d"),
            "reference": options["reference"] or f"PAY-{invoice.invoice_number}",
        }

    def _invoice(self, wanted: str | None) -> Invoice:
        if not wanted:
            raise CommandError("Name the invoice: --invoice <number or id>.")
        found = Invoice.objects.select_related("supplier")
        try:
            invoice = found.filter(pk=uuid.UUID(wanted)).first()
        except ValueError:
            invoice = found.filter(invoice_number__iexact=wanted).order_by("-created_at").first()
        if invoice is None:
            raise CommandError(f"No invoice {wanted} in this tenant.")
        return invoice
