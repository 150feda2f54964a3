"""The one status step of suppliers (their TRANSITIONS table is on the model)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.controls.transitions import move_status

from ..models import Supplier


def supplier_transition(supplier: Supplier, to: str) -> None:
    move_status(supplier, to, noun=_("supplier"))
