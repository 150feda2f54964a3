"""The checks pipeline of a supplier (tax id, sanctions screening, documents, bank, risk) and,
on a supplier's first submission, the onboarding route the policy plans. Run by Celery after
each change (`checks_later`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.jsonb import normalise
from apps.controls.guards import require
from apps.events.services import event_record
from apps.policies.routing import NoEligibleApprover
from apps.sanctions.matching import active_lists, screen_name
from apps.tenancy.background import send_on_commit
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_start

from ..models import (
    DOCUMENT_TYPES,
    BankAccount,
    ScreeningHit,
    Supplier,
    SupplierCheck,
    SupplierDocument,
)
from ..rules import RiskAssessment, assess_risk, onboarding_plan, supplier_policy
from ..validation import check_tax_id
from .access import locked
from .notices import buyers_of, notify


def _document_names(types: list[str]) -> str:
    """Document types as people read them (Certificate of insurance, not the code)."""
    names = dict(DOCUMENT_TYPES)
    return ", ".join(str(names.get(t, t)) for t in types) or "—"


def checks_later(supplier_id: Any, *, start_route: bool = False) -> None:
    """Run the checks pipeline in Celery once the change is committed."""
    send_on_commit(
        "apps.suppliers.tasks.run_supplier_checks", str(supplier_id), start_route=start_route
    )


def _tax_id_check(supplier: Supplier, section: dict[str, Any]) -> SupplierCheck:
    """The tax id against its country's scheme; sets `tax_id_valid`, which the risk reads."""
    if not supplier.tax_id:
        supplier.tax_id_valid = None
        return SupplierCheck(
            supplier=supplier,
            kind=SupplierCheck.Kind.TAX_ID,
            outcome=SupplierCheck.Outcome.FAIL,
            summary=_("No tax id given."),
        )
    result = check_tax_id(supplier.country, supplier.tax_id)
    supplier.tax_id_valid = result.valid
    return SupplierCheck(
        supplier=supplier,
        kind=SupplierCheck.Kind.TAX_ID,
        outcome={True: "pass", False: "fail", None: "warn"}[result.valid],
        summary=result.message,
        evidence={"tax_id": supplier.tax_id, "scheme": result.scheme},
    )


def _hits_record(supplier: Supplier, matches: list[Any]) -> None:
    """Keep each match as a hit to review. A hit already decided for this name and entry is
    not raised again; a new name is screened afresh."""
    for match in matches:
        ScreeningHit.objects.get_or_create(
            supplier=supplier,
            screened_name=supplier.name,
            entry_uid=match.entry_uid,
            defaults={
                "list_source": match.list_source,
                "list_sha256": match.list_sha256,
                "entry_name": match.entry_name,
                "matched_name": match.matched_name,
                "entry_type": match.entry_type,
                "programs": match.programs,
                "kind": match.kind,
                "score": match.score,
            },
        )


def _screening_of(hits: Any) -> str:
    """A confirmed match outweighs a hit awaiting review; no hit left open is clear."""
    if hits.filter(status=ScreeningHit.Status.TRUE_MATCH).exists():
        return Supplier.Screening.CONFIRMED_MATCH
    if hits.filter(status=ScreeningHit.Status.OPEN).exists():
        return Supplier.Screening.POTENTIAL_MATCH
    return Supplier.Screening.CLEAR


def _screening_summary(
    supplier: Supplier, threshold: float, lists: list[Any], open_hits: int
) -> str:
    if supplier.screening == Supplier.Screening.CLEAR:
        return _("No match at score %(t)s or above in %(n)d list(s).") % {
            "t": threshold,
            "n": len(lists),
        }
    return _("%(n)d possible match(es) awaiting review; confirmed: %(c)s.") % {
        "n": open_hits,
        "c": _("yes") if supplier.screening == Supplier.Screening.CONFIRMED_MATCH else _("no"),
    }


def _sanctions_check(supplier: Supplier, section: dict[str, Any]) -> SupplierCheck:
    """Screen the supplier's name against the active lists; sets `screening`, which the risk
    reads."""
    lists = active_lists()
    if not lists:
        return SupplierCheck(
            supplier=supplier,
            kind=SupplierCheck.Kind.SANCTIONS,
            outcome=SupplierCheck.Outcome.WARN,
            summary=_("No sanctions list is loaded (manage.py import_sanctions)."),
        )
    threshold = float(section["screening"]["threshold"])
    matches = screen_name(supplier.name, threshold=threshold)
    _hits_record(supplier, matches)
    hits = supplier.screening_hits.filter(screened_name=supplier.name)
    supplier.screening = _screening_of(hits)
    open_hits = list(hits.filter(status=ScreeningHit.Status.OPEN))
    return SupplierCheck(
        supplier=supplier,
        kind=SupplierCheck.Kind.SANCTIONS,
        outcome=(
            SupplierCheck.Outcome.PASS
            if supplier.screening == Supplier.Screening.CLEAR
            else SupplierCheck.Outcome.FAIL
        ),
        summary=_screening_summary(supplier, threshold, lists, len(open_hits)),
        evidence={
            "screened_name": supplier.name,
            "threshold": threshold,
            "lists": [
                {"source": x.source, "sha256": x.sha256, "entries": x.entry_count} for x in lists
            ],
            "matches": [
                {"entry": m.entry_uid, "name": m.matched_name, "kind": m.kind, "score": m.score}
                for m in matches
            ],
        },
    )


@dataclass(frozen=True)
class Assessed:
    """What the checks on the risk assessment read: the supplier's documents and bank
    accounts as loaded for the assessment, and the assessment."""

    supplier: Supplier
    documents: list[SupplierDocument]
    accounts: list[BankAccount]
    assessment: RiskAssessment


def _documents_check(assessed: Assessed) -> SupplierCheck:
    """The documents the policy requires for the supplier's risk: none missing or expired."""
    assessment = assessed.assessment
    return SupplierCheck(
        supplier=assessed.supplier,
        kind=SupplierCheck.Kind.DOCUMENTS,
        outcome="fail" if (assessment.missing or assessment.expired) else "pass",
        summary=_("Required: %(req)s. Missing: %(miss)s. Expired: %(exp)s.")
        % {
            "req": _document_names(assessment.required),
            "miss": _document_names(assessment.missing),
            "exp": _document_names(assessment.expired),
        },
        evidence={
            "required": assessment.required,
            "rules": assessment.required_rules,
            "current": [
                {
                    "type": d.doc_type,
                    "version": d.version,
                    "sha256": d.sha256,
                    "expires_on": d.expires_on,
                }
                for d in assessed.documents
                if d.status != SupplierDocument.Status.SUPERSEDED
            ],
        },
    )


BANK_REASONS = {"bank_country_differs", "bank_recently_changed", "bank_shared"}


def _bank_check(assessed: Assessed) -> SupplierCheck:
    """Bank details: an account shared with another supplier fails; another country or a
    recent change warns, as does having no account yet."""
    accounts = assessed.accounts
    bank_reasons = [r for r in assessed.assessment.reasons if r.code in BANK_REASONS]
    return SupplierCheck(
        supplier=assessed.supplier,
        kind=SupplierCheck.Kind.BANK,
        outcome="fail"
        if any(r.code == "bank_shared" for r in bank_reasons)
        else ("warn" if bank_reasons else ("pass" if accounts else "warn")),
        summary="; ".join(r.detail for r in bank_reasons)
        or (_("Bank details as on file.") if accounts else _("No bank account yet.")),
        evidence={
            "accounts": [
                {
                    "account": a.masked,
                    "country": a.bank_country,
                    "status": a.status,
                    "shared_with": [o["name"] for o in a.shared_with],
                    "sharing_cleared": a.sharing_cleared_at is not None,
                }
                for a in accounts
            ]
        },
    )


def _risk_check(assessed: Assessed) -> SupplierCheck:
    """The risk score with every reason that adds to it."""
    assessment = assessed.assessment
    return SupplierCheck(
        supplier=assessed.supplier,
        kind=SupplierCheck.Kind.RISK,
        outcome={"low": "pass", "medium": "warn", "high": "fail"}[assessment.tier],
        summary=_("Score %(s)d: %(t)s risk.") % {"s": assessment.score, "t": assessment.tier},
        evidence={"reasons": [r.as_dict() for r in assessment.reasons]},
    )


# The checks of what the supplier declares. They set the facts the risk assessment reads (tax
# id validity, screening), so they run before it.
DECLARED_CHECKS: tuple[Callable[[Supplier, dict[str, Any]], SupplierCheck], ...] = (
    _tax_id_check,
    _sanctions_check,
)
# The checks read from the risk assessment.
ASSESSED_CHECKS: tuple[Callable[[Assessed], SupplierCheck], ...] = (
    _documents_check,
    _bank_check,
    _risk_check,
)


def _assess(supplier: Supplier, section: dict[str, Any], *, today: Any, now: Any) -> Assessed:
    documents = list(supplier.documents.all())
    accounts = list(supplier.bank_accounts.all())
    assessment = assess_risk(
        supplier, section, documents=documents, bank_accounts=accounts, today=today, now=now
    )
    return Assessed(supplier, documents, accounts, assessment)


def _checks_keep(checks: list[SupplierCheck], policy: Any) -> None:
    """Each run is kept as evidence, with the policy version it ran under."""
    for check in checks:
        check.policy_version = policy.label
        check.evidence = normalise(check.evidence) or {}
    SupplierCheck.objects.bulk_create(checks)


def _standing(supplier: Supplier) -> dict[str, Any]:
    return {
        "risk_tier": supplier.risk_tier,
        "compliance": supplier.compliance,
        "screening": supplier.screening,
    }


def _assessment_save(
    supplier: Supplier, assessment: RiskAssessment, policy: Any, *, now: Any
) -> None:
    supplier.risk_score = assessment.score
    supplier.risk_tier = assessment.tier
    supplier.risk_reasons = [r.as_dict() for r in assessment.reasons]
    supplier.required_documents = assessment.required
    supplier.policy_version = policy.label
    supplier.checked_at = now
    supplier.compliance = supplier.compliance_given(
        documents_valid=not (assessment.missing or assessment.expired)
    )
    supplier.save(
        update_fields=[
            "tax_id_valid",
            "screening",
            "risk_score",
            "risk_tier",
            "risk_reasons",
            "required_documents",
            "policy_version",
            "checked_at",
            "compliance",
        ]
    )


@transaction.atomic
def supplier_checks_run(
    *, supplier_id: Any, actor: Any = "system:checks", start_route: bool = False
) -> Supplier:
    """The checks pipeline: tax id, sanctions screening, required documents, bank details and
    the risk score with its reasons. Each run is kept as evidence. Starts the onboarding
    route when asked and the supplier is waiting for one."""
    require(actor, "accounts.manage_suppliers", "accounts.review_screening")
    supplier = locked(supplier_id)
    policy = supplier_policy()
    section = policy.section
    now, today = timezone.now(), timezone.localdate()
    checks = [check(supplier, section) for check in DECLARED_CHECKS]
    assessed = _assess(supplier, section, today=today, now=now)
    checks += [check(assessed) for check in ASSESSED_CHECKS]
    _checks_keep(checks, policy)
    before = _standing(supplier)
    _assessment_save(supplier, assessed.assessment, policy, now=now)
    event_record(
        actor=actor,
        action="supplier.checks_run",
        subject_type="supplier",
        subject_id=supplier.pk,
        policy_version=policy.label,
        before=before,
        after={
            **_standing(supplier),
            "risk_score": assessed.assessment.score,
            "checks": {c.kind: c.outcome for c in checks},
        },
    )
    if start_route and supplier.status == Supplier.Status.PENDING_APPROVAL:
        _start_onboarding_route(supplier, policy)
    return supplier


def _start_onboarding_route(supplier: Supplier, policy: Any) -> None:
    pending = ApprovalRoute.objects.filter(
        subject_type="supplier", subject_id=str(supplier.pk), status=ApprovalRoute.Status.PENDING
    ).exists()
    if pending:
        return
    requester = supplier.submitted_by or supplier.invited_by
    if requester is None:
        return
    try:
        plan = onboarding_plan(supplier, policy, requester=requester)
    except NoEligibleApprover as exc:
        why = exc.detail
        event_record(
            actor="system:workflow",
            action="supplier.route_failed",
            subject_type="supplier",
            subject_id=supplier.pk,
            data={"reason": str(exc.detail)},
        )
        notify(
            buyers_of(supplier),
            kind="supplier.route_failed",
            message=lambda: (
                _("Onboarding of %(s)s cannot be routed: %(why)s")
                % {"s": supplier.name, "why": why}
            ),
            supplier=supplier,
        )
        return
    route_start(
        subject_type="supplier",
        subject_id=supplier.pk,
        requester=requester,
        plan=plan,
        sod=["no_self_approval", "one_step_per_person"],
        settings=policy.document["settings"],
    )
    event_record(
        actor="system:policy",
        action="supplier.route_started",
        subject_type="supplier",
        subject_id=supplier.pk,
        policy_version=policy.label,
        data={"rule": plan.rule_id, "risk_tier": supplier.risk_tier, "steps": len(plan.steps)},
    )


def suppliers_rescreen(*, actor: Any = "system:screening") -> int:
    """Re-screen (re-run the checks of) every supplier that is not rejected: after a list
    import. One transaction per supplier, so one failure does not undo the rest."""
    ids = list(
        Supplier.objects.exclude(status=Supplier.Status.REJECTED).values_list("pk", flat=True)
    )
    for supplier_id in ids:
        supplier_checks_run(supplier_id=supplier_id, actor=actor)
    return len(ids)
