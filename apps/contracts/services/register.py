"""The contract register: draft, amend (every change after activation is an amendment with its
reason), activate (through an approval route above the policy's threshold), terminate, and the
signed document. Buyers and tenant admins hold `manage_contracts`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.entities import (
    entity_allowed,
    entity_limit,
    require_all_entities,
    within_entities,
)
from apps.controls.guards import require
from apps.controls.refusals import InvalidTransition, NotFound, ValidationFailed
from apps.controls.transitions import move_status
from apps.controls.values import currency_problem, identifier_problem
from apps.events.services import event_record, events_lock_first
from apps.organization.models import LegalEntity, SpendCategory
from apps.policies.document import validate_document
from apps.policies.routing import NoEligibleApprover, RouteContext, plan_rules
from apps.policies.selectors import policy_published
from apps.suppliers.selectors import supplier_to_buy_from
from apps.suppliers.uploads import inspect_upload
from apps.workflow.models import ApprovalRoute
from apps.workflow.services import route_start

from ..models import Contract, ContractAmendment

CAPABILITY = "accounts.manage_contracts"


def payload_of(contract: Contract, **extra: Any) -> dict[str, Any]:
    """What every contract event type carries (docs/events.md)."""
    return {
        "id": contract.pk,
        "number": contract.number,
        "title": contract.title,
        "supplier": contract.supplier_id,
        "supplier_name": contract.supplier.name,
        "status": contract.status,
        "ends_on": contract.ends_on,
        "value_cap": contract.value_cap,
        "currency": contract.currency,
        **extra,
    }


def snapshot(contract: Contract) -> dict[str, Any]:
    return {
        "number": contract.number,
        "title": contract.title,
        "supplier": str(contract.supplier_id),
        "legal_entities": sorted(e.code for e in contract.legal_entities.all()),
        "spend_categories": sorted(c.code for c in contract.spend_categories.all()),
        "starts_on": str(contract.starts_on),
        "ends_on": str(contract.ends_on),
        "notice_days": contract.notice_days,
        "auto_renew": contract.auto_renew,
        "renewal_months": contract.renewal_months,
        "value_cap": str(contract.value_cap),
        "currency": contract.currency,
        "owner": contract.owner.email if contract.owner else None,
        "status": contract.status,
    }


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value)) if value else None
    except ValueError:
        return None


Errors = dict[str, list[str]]


def _names(data: dict[str, Any], clean: dict[str, Any], errors: Errors, actor: Any) -> None:
    """The contract's number (an identifier) and title."""
    for field in ("number", "title"):
        if data.get(field):
            clean[field] = str(data[field]).strip()[: 40 if field == "number" else 200]
    if problem := identifier_problem(clean.get("number", "")):
        errors["number"] = [problem]


def _supplier(data: dict[str, Any], clean: dict[str, Any], errors: Errors, actor: Any) -> None:
    """A supplier the company may buy from."""
    if data.get("supplier"):
        supplier, why = supplier_to_buy_from(data["supplier"])
        if supplier is None:
            errors["supplier"] = [why]
        else:
            clean["supplier"] = supplier


def _codes(data: dict[str, Any], clean: dict[str, Any], errors: Errors, actor: Any) -> None:
    """The legal entities (those within the actor's limit) and spend categories, by code."""
    kinds: tuple[tuple[str, Any], ...] = (
        ("legal_entities", LegalEntity),
        ("spend_categories", SpendCategory),
    )
    for field, model in kinds:
        if field not in data or data[field] in (None, ""):
            continue
        codes = data[field]
        codes = [c.strip() for c in codes.split(",")] if isinstance(codes, str) else list(codes)
        found = model.objects.filter(code__in=codes)
        if model is LegalEntity:
            found = within_entities(found, actor, field="")
        rows = list(found)
        unknown = sorted(set(codes) - {r.code for r in rows})
        if unknown:
            errors[field] = [_("Unknown code: %s") % ", ".join(unknown)]
        elif not rows:
            errors[field] = [_("Name at least one.")]
        else:
            clean[field] = rows


def _term(data: dict[str, Any], clean: dict[str, Any], errors: Errors, actor: Any) -> None:
    """The dates, the notice period and the renewal."""
    for field in ("starts_on", "ends_on"):
        if data.get(field):
            parsed = _as_date(data[field])
            if parsed is None:
                errors[field] = [_("Use a date such as 2026-12-31.")]
            else:
                clean[field] = parsed
    for field, low in (("notice_days", 0), ("renewal_months", 1)):
        if data.get(field) not in (None, ""):
            try:
                number = int(data[field])
            except (TypeError, ValueError):
                number = -1
            if number < low or number > 3650:
                errors[field] = [_("Use a whole number from %d.") % low]
            else:
                clean[field] = number
    if "auto_renew" in data:
        clean["auto_renew"] = data["auto_renew"] in (True, "true", "on", "1", 1)


def _value(data: dict[str, Any], clean: dict[str, Any], errors: Errors, actor: Any) -> None:
    """The value cap (above zero, to the cent) and its currency."""
    if data.get("value_cap") not in (None, ""):
        try:
            cap = Decimal(str(data["value_cap"]))
        except InvalidOperation:
            cap = Decimal("-1")
        if not cap.is_finite() or cap <= 0 or cap >= Decimal("1e14"):
            errors["value_cap"] = [_("Use an amount above zero.")]
        else:
            clean["value_cap"] = cap.quantize(Decimal("0.01"))
    if data.get("currency"):
        currency = str(data["currency"])
        if problem := currency_problem(currency):
            errors["currency"] = [problem]
        clean["currency"] = currency


def _owner(data: dict[str, Any], clean: dict[str, Any], errors: Errors, actor: Any) -> None:
    """The contract's owner, an active user by e-mail (empty: none)."""
    if "owner" in data:
        owner = User.objects.with_identity(str(data["owner"] or "")).filter(is_active=True).first()
        if data["owner"] and owner is None:
            errors["owner"] = [_("No active user has this e-mail.")]
        clean["owner"] = owner


# The contract's fields, each group checked and resolved in turn (errors keep this order).
FIELD_GROUPS = (_names, _supplier, _codes, _term, _value, _owner)
REQUIRED = ("number", "title", "supplier", "starts_on", "ends_on")


def _clean(data: dict[str, Any], *, partial: bool, actor: Any = None) -> dict[str, Any]:
    """The fields of `data` checked and resolved (codes to rows, ids to suppliers); a legal
    entity outside the actor's limit is unknown to it."""
    errors: Errors = {}
    clean: dict[str, Any] = {}
    required = () if partial else REQUIRED
    for field in (*required, "value_cap", "currency", "legal_entities", "spend_categories"):
        if not partial and data.get(field) in (None, "", []):
            errors[field] = [_("This field is required.")]
    for group in FIELD_GROUPS:
        group(data, clean, errors, actor)
    if errors:
        raise ValidationFailed(errors=errors)
    return clean


def _check_dates(contract: Contract) -> None:
    if contract.ends_on < contract.starts_on:
        raise ValidationFailed(errors={"ends_on": [_("The end comes after the start.")]})


def _number_taken(number: str, contract: Contract | None = None) -> None:
    taken = Contract.objects.filter(number__iexact=number)
    if contract is not None:
        taken = taken.exclude(pk=contract.pk)
    if taken.exists():
        raise ValidationFailed(errors={"number": [_("Contract %s exists already.") % number]})


@transaction.atomic
def contract_create(*, actor: User, data: dict[str, Any]) -> Contract:
    require(actor, CAPABILITY)
    clean = _clean(data, partial=False, actor=actor)
    _number_taken(clean["number"])
    entities, categories = clean.pop("legal_entities"), clean.pop("spend_categories")
    clean.setdefault("owner", actor)
    contract = Contract(created_by=actor, **clean)
    _check_dates(contract)
    contract.save()
    contract.legal_entities.set(entities)
    contract.spend_categories.set(categories)
    event_record(
        actor=actor,
        action="contract.created",
        subject_type="contract",
        subject_id=contract.pk,
        after=snapshot(contract),
    )
    return contract


def locked(contract_id: Any, actor: Any = None) -> Contract:
    """The contract under its row lock, the event chain's lock taken first: every service
    that locks a contract and records an event (here, spend, renewals, a requisition's
    submission) takes the two in this one order, so none holds the contract while it waits
    for the chain another holds while it waits for the contract. An actor limited to legal
    entities finds only those binding one of them, and changes only those binding none other."""
    events_lock_first()
    contract = (
        Contract.objects.select_for_update(of=("self",), no_key=True)
        .select_related("supplier", "owner")
        .filter(pk=contract_id)
        .first()
    )
    if contract is None:
        raise NotFound()
    if entity_limit(actor) is not None:
        codes = list(contract.legal_entities.values_list("code", flat=True))
        if not any(entity_allowed(actor, code) for code in codes):
            raise NotFound()
        require_all_entities(actor, codes)
    return contract


@transaction.atomic
def contract_amend(*, actor: User, contract_id: Any, data: dict[str, Any], reason: str) -> Contract:
    """Change a contract. A draft changes freely (recorded in the trail); an active one only
    through an amendment with its reason, kept in the contract's history. An ended contract
    is not changed."""
    require(actor, CAPABILITY)
    contract = locked(contract_id, actor)
    if contract.status in (Contract.Status.EXPIRED, Contract.Status.TERMINATED):
        raise InvalidTransition(_("An ended contract is not changed."))
    clean = _clean(data, partial=True, actor=actor)
    if contract.status != Contract.Status.DRAFT:
        for field in ("number", "supplier", "currency"):
            if field in clean and clean[field] != getattr(contract, field):
                raise InvalidTransition(
                    _("The %s of an active contract is not changed; register a new one.") % field
                )
        if not reason.strip():
            raise ValidationFailed(errors={"reason": [_("Say why the contract is amended.")]})
    if "number" in clean:
        _number_taken(clean["number"], contract)
    before = snapshot(contract)
    for field, value in clean.items():
        if field in ("legal_entities", "spend_categories"):
            getattr(contract, field).set(value)
        else:
            setattr(contract, field, value)
    _check_dates(contract)
    if contract.value_cap < contract.committed + contract.invoiced:
        raise ValidationFailed(
            errors={
                "value_cap": [
                    _("%(used)s is committed or invoiced already.")
                    % {"used": contract.committed + contract.invoiced}
                ]
            }
        )
    contract.save()
    after = snapshot(contract)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return contract
    if contract.status != Contract.Status.DRAFT:
        amendment_record(contract, actor=actor.email, reason=reason.strip(), changes=changes)
    event_record(
        actor=actor,
        action="contract.amended"
        if contract.status != Contract.Status.DRAFT
        else "contract.updated",
        subject_type="contract",
        subject_id=contract.pk,
        before={k: v[0] for k, v in changes.items()},
        after={k: v[1] for k, v in changes.items()},
        data={"reason": reason.strip()} if reason.strip() else None,
    )
    return contract


def amendment_record(
    contract: Contract, *, actor: str, reason: str, changes: dict[str, Any]
) -> ContractAmendment:
    sequence = (contract.amendments.aggregate(n=Max("sequence"))["n"] or 0) + 1
    return ContractAmendment.objects.create(
        contract=contract, sequence=sequence, reason=reason[:300], changes=changes, actor=actor
    )


@transaction.atomic
def contract_document_upload(*, actor: User, contract_id: Any, upload: Any) -> Contract:
    """The signed document, checked by content like supplier documents; a new upload replaces
    the file on record (the old one's hash stays in the trail)."""
    require(actor, CAPABILITY)
    contract = locked(contract_id, actor)
    if contract.status in (Contract.Status.EXPIRED, Contract.Status.TERMINATED):
        raise InvalidTransition(_("An ended contract is not changed."))
    inspected = inspect_upload(upload)
    before = {"document_sha256": contract.document_sha256 or None}
    contract.document.save(inspected.content.name or "contract", inspected.content, save=False)
    contract.document_name = inspected.original_name
    contract.document_sha256 = inspected.sha256
    contract.document_size = inspected.size
    contract.save(update_fields=["document", "document_name", "document_sha256", "document_size"])
    event_record(
        actor=actor,
        action="contract.document_uploaded",
        subject_type="contract",
        subject_id=contract.pk,
        before=before,
        after={"document_sha256": inspected.sha256, "name": inspected.original_name},
    )
    return contract


@transaction.atomic
def contract_activate(*, actor: User, contract_id: Any) -> Contract:
    """Activate a draft. Above the policy's `contract_approval_above` (in the contract's
    currency) it goes to an approval route first and becomes active when that approves."""
    require(actor, CAPABILITY)
    contract = locked(contract_id, actor)
    if contract.status != Contract.Status.DRAFT:  # pending approval waits for its route
        raise InvalidTransition(
            _("Only a draft is activated; this contract is %s.")
            % contract.get_status_display().lower()
        )
    if contract.ends_on < timezone.localdate():
        raise InvalidTransition(_("This contract ended on %s.") % contract.ends_on)
    version = policy_published()
    document = validate_document(version.document)
    settings = document["settings"]
    above = settings["contract_approval_above"]
    contract.policy_version = version.label
    if above is not None and contract.value_cap > Decimal(str(above)):
        rule = {
            "id": "contract-approval",
            "name": _("Contracts above %s: approval") % above,
            "when": "true",
            "steps": [{"approver": {"type": "role", "role": settings["contract_approval_role"]}}],
        }
        plan = plan_rules(
            number=version.number,
            rules=[rule],
            settings=settings,
            sod=["no_self_approval"],
            facts={},
            context=RouteContext(
                requester=actor,
                cost_center_manager=None,
                amount=contract.value_cap,
                currency=contract.currency,
            ),
        )
        if not plan.steps:
            raise NoEligibleApprover(_("Nobody may approve this contract."))
        move_status(contract, Contract.Status.PENDING_APPROVAL, noun=_("contract"))
        contract.save(update_fields=["status", "policy_version"])
        route_start(
            subject_type="contract",
            subject_id=contract.pk,
            requester=actor,
            plan=plan,
            sod=["no_self_approval", "one_step_per_person"],
            settings=settings,
        )
        event_record(
            actor=actor,
            action="contract.submitted",
            subject_type="contract",
            subject_id=contract.pk,
            policy_version=version.label,
            data={"above": above, "value_cap": str(contract.value_cap)},
        )
        return contract
    _activate(contract, actor=actor, reason=_("activated"))
    return contract


def _activate(contract: Contract, *, actor: Any, reason: str) -> None:
    move_status(contract, Contract.Status.ACTIVE, noun=_("contract"))
    contract.activated_at = timezone.now()
    contract.save(update_fields=["status", "activated_at", "policy_version"])
    event_record(
        actor=actor,
        action="contract.activated",
        subject_type="contract",
        subject_id=contract.pk,
        policy_version=contract.policy_version or None,
        after={"status": contract.status},
        data={"reason": reason},
        payload=payload_of(contract),
    )


@transaction.atomic
def contract_terminate(*, actor: User, contract_id: Any, reason: str) -> Contract:
    """End a contract early (or withdraw a draft): it stops counting as on contract at once."""
    require(actor, CAPABILITY)
    if not reason.strip():
        raise ValidationFailed(errors={"reason": [_("Say why the contract ends.")]})
    contract = locked(contract_id, actor)
    was = contract.status
    move_status(contract, Contract.Status.TERMINATED, noun=_("contract"))
    contract.end_reason = reason.strip()[:300]
    contract.save(update_fields=["status", "end_reason"])
    event_record(
        actor=actor,
        action="contract.terminated",
        subject_type="contract",
        subject_id=contract.pk,
        before={"status": was},
        after={"status": contract.status},
        data={"reason": contract.end_reason},
        payload=payload_of(contract, reason=contract.end_reason),
    )
    return contract


def contract_route_approved(route: ApprovalRoute, actor: User) -> None:
    contract = locked(route.subject_id)
    _activate(contract, actor=actor, reason=_("the approval route approved"))


def contract_route_rejected(route: ApprovalRoute, actor: User, comment: str) -> None:
    contract = locked(route.subject_id)
    move_status(contract, Contract.Status.DRAFT, noun=_("contract"))
    contract.save(update_fields=["status"])
    event_record(
        actor=actor,
        action="contract.rejected",
        subject_type="contract",
        subject_id=contract.pk,
        after={"status": contract.status},
        data={"comment": comment},
    )


def contract_summaries(ids: list[str]) -> dict[str, dict[str, Any]]:
    """What an approver decides a contract on, for a page of tasks in one query."""
    rows = Contract.objects.filter(pk__in=ids).select_related("supplier", "owner")
    return {
        str(c.pk): {
            "kind": "contract",
            "url": f"/contracts/{c.pk}/",
            "number": c.number,
            "title": c.title,
            "status": c.status,
            "total": str(c.value_cap),
            "currency": c.currency,
            "supplier": c.supplier.name,
            "starts_on": str(c.starts_on),
            "ends_on": str(c.ends_on),
            "owner": c.owner.email if c.owner else None,
        }
        for c in rows
    }
