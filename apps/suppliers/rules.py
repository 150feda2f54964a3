"""What the tenant's policy decides about a supplier: required documents, risk score and
tier, and the onboarding approval route. Pure reads; services record the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.policies.conditions import compile_condition
from apps.policies.document import validate_document
from apps.policies.models import PolicyVersion
from apps.policies.routing import RouteContext, RoutePlan, plan_rules
from apps.policies.selectors import policy_published
from apps.policies.supplier_section import EU_COUNTRIES

from .models import DOCUMENT_TYPES, BankAccount, Supplier, SupplierDocument


@dataclass(frozen=True)
class SupplierPolicy:
    version: PolicyVersion
    document: dict[str, Any]

    @property
    def label(self) -> str:
        return self.version.label

    @property
    def section(self) -> dict[str, Any]:
        return dict(self.document["suppliers"])


def supplier_policy() -> SupplierPolicy:
    version = policy_published()
    return SupplierPolicy(version, validate_document(version.document))


def supplier_facts(supplier: Supplier, *, risk: str, risk_score: int = 0) -> dict[str, Any]:
    return {
        "country": supplier.country,
        "eu": supplier.country in EU_COUNTRIES,
        "category": supplier.category or "",
        "risk": risk,
        "risk_score": risk_score,
        "screening": supplier.screening,
    }


def required_documents(
    supplier: Supplier, section: dict[str, Any], *, risk: str
) -> tuple[list[str], list[str]]:
    """(document types, ids of the rules that asked for them)."""
    wanted: set[str] = set()
    rules: list[str] = []
    facts = supplier_facts(supplier, risk=risk)
    for rule in section["required_documents"]:
        if compile_condition(rule["when"], "supplier").holds(facts):
            wanted.update(rule["documents"])
            rules.append(rule["id"])
    return sorted(wanted), rules


@dataclass
class Reason:
    code: str
    points: int
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "detail": self.detail}


@dataclass
class RiskAssessment:
    score: int
    tier: str
    reasons: list[Reason] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    required_rules: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)


def _tier(score: int, risk: dict[str, Any]) -> str:
    if score >= risk["high_at"]:
        return Supplier.Risk.HIGH
    if score >= risk["medium_at"]:
        return Supplier.Risk.MEDIUM
    return Supplier.Risk.LOW


def _expired(document: SupplierDocument, today: date) -> bool:
    if document.status == SupplierDocument.Status.EXPIRED:
        return True
    return document.expires_on is not None and document.expires_on <= today


def documents_valid(supplier: Supplier, *, today: date) -> bool:
    """Every document the last checks run required (`required_documents`) is on file and not
    expired: the documents part of the compliance badge between two checks runs."""
    current = {
        d.doc_type: d for d in supplier.documents.exclude(status=SupplierDocument.Status.SUPERSEDED)
    }
    return all(
        t in current and not _expired(current[t], today) for t in supplier.required_documents
    )


def assess_risk(
    supplier: Supplier,
    section: dict[str, Any],
    *,
    documents: list[SupplierDocument],
    bank_accounts: list[BankAccount],
    today: date,
    now: datetime,
) -> RiskAssessment:
    """Score the supplier: the base factors decide the required documents, then missing and
    expired documents add to the score. Every point comes with its reason."""
    risk = section["risk"]
    points = risk["points"]
    reasons: list[Reason] = []

    def add(code: str, detail: str) -> None:
        if points.get(code, 0):
            reasons.append(Reason(code, int(points[code]), detail))

    if supplier.country in risk["high_risk_countries"]:
        add(
            "country_high_risk",
            _("%s is on the policy's high-risk country list.") % supplier.country,
        )
    if supplier.category and supplier.category in risk["high_risk_categories"]:
        add("category_high_risk", _("Category %s is high-risk by policy.") % supplier.category)
    if supplier.tax_id_valid is False or not supplier.tax_id:
        add("tax_id_invalid", _("The tax id is missing or not valid."))
    if supplier.screening == Supplier.Screening.POTENTIAL_MATCH:
        add("screening_potential_match", _("A sanctions screening hit awaits review."))
    elif supplier.screening == Supplier.Screening.CONFIRMED_MATCH:
        add("screening_confirmed_match", _("A sanctions match was confirmed."))
    live = [
        a
        for a in bank_accounts
        if a.status in (BankAccount.Status.ACTIVE, BankAccount.Status.PENDING_VERIFICATION)
    ]
    if any(a.bank_country != supplier.country for a in live):
        add("bank_country_differs", _("The bank account is in another country than the supplier."))
    for account in live:
        if account.sharing_open:
            add(
                "bank_shared",
                _("The bank account %(a)s is also on file for %(o)s.")
                % {"a": account.masked, "o": ", ".join(o["name"] for o in account.shared_with)},
            )
    recent = now - timedelta(days=int(section["bank_change_recent_days"]))
    has_active = any(a.status == BankAccount.Status.ACTIVE for a in bank_accounts)
    change_pending = has_active and any(
        a.status == BankAccount.Status.PENDING_VERIFICATION for a in bank_accounts
    )
    if (supplier.bank_changed_at and supplier.bank_changed_at >= recent) or change_pending:
        add("bank_recently_changed", _("Bank details changed recently or a change is pending."))

    base_score = sum(r.points for r in reasons)
    required, rules = required_documents(supplier, section, risk=_tier(base_score, risk))
    current = {d.doc_type: d for d in documents if d.status != SupplierDocument.Status.SUPERSEDED}
    missing = [t for t in required if t not in current]
    expired = [t for t in required if t in current and _expired(current[t], today)]
    names = dict(DOCUMENT_TYPES)
    for doc_type in missing:
        add("document_missing", _("Required document missing: %s.") % names.get(doc_type, doc_type))
    for doc_type in expired:
        add("document_expired", _("Required document expired: %s.") % names.get(doc_type, doc_type))
    score = min(sum(r.points for r in reasons), 999)
    return RiskAssessment(
        score=score,
        tier=_tier(score, risk),
        reasons=reasons,
        required=required,
        required_rules=rules,
        missing=missing,
        expired=expired,
    )


def onboarding_plan(supplier: Supplier, policy: SupplierPolicy, *, requester: User) -> RoutePlan:
    onboarding = policy.section["onboarding"]
    return plan_rules(
        number=policy.version.number,
        rules=onboarding["rules"],
        settings=policy.document["settings"],
        sod=["no_self_approval", "one_step_per_person"],
        facts=supplier_facts(supplier, risk=supplier.risk_tier, risk_score=supplier.risk_score),
        context=RouteContext(
            requester=requester, cost_center_manager=None, amount=Decimal("0"), currency="USD"
        ),
        facts_kind="supplier",
    )
