"""Spend coding's writes: each suggestion shown is stored as advice; a tenant admin (or the
nightly job) retrains the tenant's model. The assistant suggests; the requester chooses."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.controls.guards import require
from apps.controls.refusals import ApplicationError
from apps.tenancy.background import send_on_commit

from ..models import Advice, TrainedModel
from ..services import advice_record, assistant_setting
from ..store import model_save
from .suggest import ASSISTANT, suggestion
from .training import history_rows, model_build

RETRAINERS = "accounts.manage_settings"  # tenant admins: the policy's and the assistants' owners


class AssistantOff(ApplicationError):
    """The tenant's policy switches spend coding off: no suggestion at all (404, so a client
    cannot tell the endpoint from one that does not exist, yet the code says why)."""

    status = 404
    code = "assistant_off"
    default_detail = gettext_lazy("Spend coding is switched off in this tenant's policy.")


def spend_setting() -> dict[str, Any]:
    """{enabled, threshold}; refuses (AssistantOff) when the policy switches it off."""
    setting = assistant_setting(ASSISTANT)
    if not setting["enabled"]:
        raise AssistantOff()
    return setting


def spend_suggest(
    *,
    viewer: Any,
    title: str,
    justification: str = "",
    lines: Sequence[str] = (),
    subject_type: str = "draft",
    subject_id: str = "",
    reuse: Advice | None = None,
) -> tuple[dict[str, Any], Advice]:
    """The suggestion shown to `viewer` and its stored advice; `preselect` says which fields
    a form may fill in (confidence at or above the policy's threshold). `reuse`: the advice
    this form showed last, kept when the suggestion has not changed (typing on in a form is
    not a new piece of advice)."""
    setting = spend_setting()
    out = suggestion(
        requester_id=getattr(viewer, "pk", None),
        title=title,
        justification=justification,
        lines=lines,
    )
    threshold = float(setting["threshold"])
    out["threshold"] = threshold
    out["preselect"] = {
        field: bool(
            out[field]
            and (out[field].get("code") or out[field].get("id"))
            and out[field]["confidence"] >= threshold
        )
        for field in ("spend_category", "cost_center", "supplier")
    }
    inputs = {"title": title, "justification": justification, "lines": list(lines)}
    confidence = out["spend_category"]["confidence"] if out["spend_category"] else None
    if reuse is not None and _same(reuse.output, out) and reuse.shown_to_id == viewer.pk:
        advice = reuse
    else:
        advice = advice_record(
            assistant=ASSISTANT,
            model_version=out["model"],
            inputs=inputs,
            output={k: v for k, v in out.items() if k != "advice_id"},
            confidence=confidence,
            shown_to=viewer,
            subject_type=subject_type,
            subject_id=subject_id,
        )
    out["advice_id"] = str(advice.pk)
    return out, advice


def _codes(output: dict[str, Any]) -> tuple[Any, ...]:
    def code(field: str) -> Any:
        value = output.get(field) or {}
        return value.get("code") or value.get("id")

    return code("spend_category"), code("cost_center"), code("supplier")


def _same(before: dict[str, Any], now: dict[str, Any]) -> bool:
    return _codes(before) == _codes(now) and before.get("model") == now.get("model")


def spend_model_train(*, actor: Any) -> TrainedModel:
    """Train this tenant's model on its confirmed requisitions (and the cold start) and store
    it as the next version: a tenant admin on demand, or the nightly job (system)."""
    require(actor, RETRAINERS)
    started = time.perf_counter()
    rows = history_rows()
    model = model_build(rows)
    metrics = {
        "kind": model.kind,
        "requisitions": model.samples,
        "categories": len(getattr(model.targets.get("spend_category"), "classes_", [])),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return model_save(ASSISTANT, model, samples=model.samples, metrics=metrics)


def spend_model_retrain(*, actor: Any) -> None:
    """A tenant admin asks for a retraining now: the job runs in a worker once this commits
    (training a large tenant takes up to a minute, longer than a request should)."""
    require(actor, RETRAINERS, detail=_("Only a tenant admin may retrain the assistant."))
    send_on_commit("apps.assistants.spend.tasks.spend_model_retrain_task")
