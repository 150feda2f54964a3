"""One client tenant's standing now, as its partner's console lists it (`ClientStanding`):
computed inside the tenant's schema with one aggregate query per table, whatever the tenant
holds, and kept in the public schema by the hourly rollup (apps.insights.partner) and when the
tenant is provisioned.

- users active: people (not deactivated) who signed in within the last 30 days;
- documents this month: requisitions, purchase orders and invoices (credit notes aside)
  created since the first of the month, in the tenant's time zone;
- exceptions open: the exceptions list's own count now;
- failing connectors: webhook endpoints failing or disabled by their failures, and enabled ERP
  connections with an inbound event that failed (the same as the day's health);
- set-up: the tenant admin's checklist (apps.portal.setup), items done of all, and the items
  still missing by their label's message id (English), which the console translates when it
  shows them: product words, no record of the tenant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation

from apps.integrations.models import ErpConnection, InboundEvent, WebhookEndpoint
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.selectors import OPEN_STATES
from apps.portal.setup import setup_checklist
from apps.procurement.models import PurchaseOrder, Requisition
from apps.tenancy.context import tenant_zone
from apps.tenancy.figure_stores import client_standing_store
from apps.tenancy.services import Provisioned

log = structlog.get_logger("spendgate.insights")
ACTIVE_WITHIN = timedelta(days=30)


def month_start(now: datetime) -> datetime:
    """Midnight of the first of `now`'s month in the tenant's time zone."""
    local = now.astimezone(tenant_zone())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def connectors_failing() -> dict[str, int]:
    failing = Q(failing_since__isnull=False) | (Q(enabled=False) & ~Q(disabled_reason=""))
    webhooks = WebhookEndpoint.objects.aggregate(n=Count("pk", filter=failing))["n"]
    erp = ErpConnection.objects.filter(enabled=True).aggregate(
        n=Count("pk", filter=Q(events__status=InboundEvent.Status.FAILED), distinct=True)
    )["n"]
    return {"webhooks_failing": webhooks, "erp_failing": erp}


def client_standing_figures(*, now: datetime | None = None) -> dict[str, Any]:
    """The current tenant's standing, as `ClientStanding` keeps it."""
    now = now or timezone.now()
    since = month_start(now)
    checklist = setup_checklist()
    with translation.override(None):  # the message ids, whatever language asked
        missing = [str(item.label) for item in checklist if not item.done]
    return {
        "users_active": get_user_model()
        .objects.filter(is_active=True, last_login__gte=now - ACTIVE_WITHIN)
        .count(),
        "requisitions_month": Requisition.objects.filter(created_at__gte=since).count(),
        "purchase_orders_month": PurchaseOrder.objects.filter(issued_at__gte=since).count(),
        "invoices_month": Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE, created_at__gte=since
        ).count(),
        "exceptions_open": InvoiceException.objects.filter(status__in=OPEN_STATES).count(),
        **connectors_failing(),
        "setup_done": sum(item.done for item in checklist),
        "setup_total": len(checklist),
        "setup_missing": missing,
    }


def standing_at_provisioning(provisioned: Provisioned) -> None:
    """A new tenant is on its partner's console at once (at 0 of the set-up done), not only
    after the next hourly rollup. A standing that fails never stops the tenant from being
    created: it is logged, and the hourly rollup fills it in."""
    try:
        with transaction.atomic():
            client_standing_store(client=provisioned.client, figures=client_standing_figures())
    except Exception:  # the tenant is provisioned either way
        log.exception("client_standing_failed", tenant=provisioned.client.slug)
