"""The ERP simulator (`manage.py erp_simulate`) against the real HTTP server: a signed
`payment.executed` for an approved invoice makes it paid, as the demo shows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.invoices.conftest import committed_ap


def test_the_simulator_pays_an_invoice_through_the_real_server(
    committed_org: dict[str, Any], live_server_url: str, django_db_blocker: Any, capsys: Any
) -> None:
    from apps.accounts.services import user_ensure
    from apps.integrations.services.access import erp_connection_create
    from apps.invoices.models import Invoice
    from apps.tenancy.context import tenant_context

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant), transaction.atomic():
        admin = user_ensure(email="erp-admin@x.test", password=PASSWORD, roles=["tenant_admin"])
        _connection, secret = erp_connection_create(actor=admin, data={"name": "Finance ERP"})
        ap = committed_ap(committed_org)
        invoice = Invoice.objects.create(
            supplier=ap.supplier,
            invoice_number="SIM-1001",
            number_key="1001",
            invoice_date=date(2026, 11, 2),
            currency="EUR",
            total=Decimal("119.00"),
            payable=Decimal("119.00"),
            status="approved",
            approved_at=timezone.now(),
            channel="api",
        )
    base = live_server_url.format(host="127.0.0.1")
    with django_db_blocker.unblock():
        call_command(
            "erp_simulate",
            "payment.executed",
            tenant=tenant.slug,
            secret=secret,
            url=base,
            host=committed_org["host"],
            invoice="SIM-1001",
        )
        said = capsys.readouterr().out
        assert "→ 200" in said and '"outcome":"paid"' in said.replace(" ", "")
        with tenant_context(tenant):
            invoice.refresh_from_db()
            assert invoice.status == "paid"
            assert str(invoice.erp_payments.get().amount) == "119.00"
