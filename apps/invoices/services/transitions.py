"""The one status step of invoices (their TRANSITIONS table is on the model)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.controls.transitions import move_status

from ..models import Invoice


def invoice_transition(invoice: Invoice, to: str) -> None:
    move_status(invoice, to, noun=_("invoice"))
