"""The one status step of suppliers (their TRANSITIONS table is on the model). The compliance
badge follows the status: callers save `compliance` with `status`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.transitions import move_status

from ..models import Supplier
from ..rules import documents_valid


def supplier_transition(supplier: Supplier, to: str) -> None:
    move_status(supplier, to, noun=_("supplier"))
    supplier.compliance = supplier.compliance_given(
        documents_valid=documents_valid(supplier, today=timezone.localdate())
    )
