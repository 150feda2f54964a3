"""What the requester did with the suggestion: when the requisition form is saved, the advice
it showed last (its hidden `spend_advice_id`) is compared with the saved requisition and
recorded as followed (category and cost center as suggested) or overridden (what was chosen
instead). Registered with procurement's form hook from AssistantsConfig.ready(): procurement
cannot import the assistants, and the server-side hook sees exactly what was saved, where a
second HTMX call from the browser could be lost when the page navigates away."""

from __future__ import annotations

import uuid
from typing import Any

from ..models import Advice
from ..services import advice_outcome
from .suggest import ASSISTANT


def advice_of_form(form: Any, user: Any) -> Advice | None:
    """The advice a form showed `user` (its hidden field), while still undecided."""
    try:
        advice_id = uuid.UUID(str(form.get("spend_advice_id") or ""))
    except ValueError:
        return None
    return Advice.objects.filter(
        pk=advice_id,
        assistant=ASSISTANT,
        shown_to=user,
        status=Advice.Status.SHOWN,
    ).first()


def requisition_form_saved(*, requisition: Any, user: Any, form: Any) -> None:
    """Record followed or overridden on the advice the form carried (nothing without one)."""
    advice = advice_of_form(form, user)
    if advice is None:
        return
    suggested = advice.output
    chosen = {
        "spend_category": requisition.spend_category.code,
        "cost_center": requisition.cost_center.code,
        "supplier": str(requisition.supplier_id) if requisition.supplier_id else None,
    }
    differs = {
        field: chosen[field]
        for field in ("spend_category", "cost_center")
        if (suggested.get(field) or {}).get("code") != chosen[field]
    }
    supplier = suggested.get("supplier") or {}
    if supplier and supplier.get("id") != chosen["supplier"]:
        differs["supplier"] = chosen["supplier"]
    advice_outcome(
        advice,
        actor=user,
        followed=not any(k in differs for k in ("spend_category", "cost_center")),
        detail={**differs, "requisition": requisition.number},
    )
