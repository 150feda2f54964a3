"""Training the supplier-behaviour model, and scoring an invoice as it arrives (a review hook
of apps.invoices.review). The assistant writes only advice and its model: the exception for
review is raised by invoices' arrival checks from the signal returned, and holds nothing."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.invoices.models import Invoice
from apps.invoices.review import ReviewSignal

from ..services import advice_record, assistant_enabled
from ..store import model_latest, model_save
from . import model
from .features import history_facts, invoice_facts

ASSISTANT = "anomaly"


def anomaly_train() -> dict[str, Any]:
    """Fit the tenant's model on its invoices (nightly, and from the bench); below 200
    invoices nothing is trained and the assistant stays silent."""
    if not assistant_enabled(ASSISTANT):
        return {"trained": False, "samples": 0}
    rows = history_facts()
    if len(rows) < model.MIN_SAMPLES:
        return {"trained": False, "samples": len(rows)}
    bundle = model.fit([facts.vector() for _pk, facts in rows])
    saved = model_save(
        ASSISTANT,
        bundle,
        samples=len(rows),
        metrics={"features": list(bundle["features"]), "trees": model.TREES},
    )
    return {"trained": True, "samples": len(rows), "version": saved.version}


def invoice_review(invoice: Invoice, document: dict[str, Any]) -> list[ReviewSignal]:
    """The review hook: a score above the policy's threshold is a review signal with its
    reasons, and is stored as advice. Switched off, or no model yet: nothing."""
    setting = document["assistants"][ASSISTANT]
    if not setting["enabled"] or invoice.kind != Invoice.Kind.INVOICE:
        return []
    latest = model_latest(ASSISTANT)
    if latest is None:
        return []
    version, bundle = latest
    facts = invoice_facts(invoice)
    scored = model.score(bundle, facts)
    if scored.score <= float(setting["threshold"]):
        return []
    output = {"score": scored.score, "reasons": scored.reasons}
    advice_record(
        assistant=ASSISTANT,
        model_version=f"isolation-forest v{version}",
        inputs={"invoice": str(invoice.pk), "features": facts.vector()},
        output=output,
        confidence=scored.score,
        shown_to=None,  # shown to whoever works the review exception
        subject_type="invoice",
        subject_id=str(invoice.pk),
    )
    because = "; ".join(r["text"] for r in scored.reasons) or _("the combination is unusual")
    return [
        ReviewSignal(
            _("Unusual for this supplier (score %(score)s above %(threshold)s): %(why)s.")
            % {"score": f"{scored.score:.2f}", "threshold": setting["threshold"], "why": because},
            {**output, "threshold": setting["threshold"], "model": f"v{version}"},
        )
    ]
