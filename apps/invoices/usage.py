"""What the tenant's plan counts of its invoices (apps.tenancy.plans): invoices received in a
month, credit notes aside, whatever the channel."""

from __future__ import annotations

from datetime import datetime

from apps.tenancy.plans import month_bounds, month_first, plan_guard

from .models import Invoice


def invoices_between(since: datetime, until: datetime) -> int:
    return Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE, created_at__gte=since, created_at__lt=until
    ).count()


def invoice_intake_guard(kind: str = Invoice.Kind.INVOICE) -> str:
    """Before one more invoice is taken in: refused at the plan's hard limit for the month
    (a credit note always comes in: it reduces what is owed)."""
    if kind != Invoice.Kind.INVOICE:
        return "ok"
    return plan_guard("invoices", lambda: invoices_between(*month_bounds(month_first())))
