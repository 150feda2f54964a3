"""Onboarding a supplier: the invitation with its signed one-time link, the profile the
supplier completes, and its submission for approval."""

from __future__ import annotations

import secrets as pysecrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.language import in_language_of
from apps.accounts.models import User
from apps.accounts.roles import SUPPLIER
from apps.controls.guards import require
from apps.controls.refusals import (
    InvalidTransition,
    ValidationFailed,
)
from apps.controls.values import identifier_problem
from apps.events.services import event_record
from apps.organization.models import SpendCategory

from ..models import (
    DOCUMENT_TYPES,
    BankAccount,
    Supplier,
    SupplierAddress,
    SupplierContact,
    SupplierInvitation,
)
from ..rules import assess_risk, supplier_policy
from ..validation import check_country, check_tax_id
from .access import locked, locked_for, portal_access_grant
from .checks import checks_later
from .transitions import supplier_transition

INVITE_SALT = "spendgate.supplier-invitation"


PROFILE_FIELDS = ("name", "country", "tax_id", "phone", "website", "category")


ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code")


CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone", "contact_role")


def _validated_profile(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if "name" in data or not partial:
        name = (data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("Give the company's legal name.")]
        elif problem := identifier_problem(name):
            errors["name"] = [problem]  # a look-alike of another supplier's name
        out["name"] = name[:200]
    if "country" in data or not partial:
        country = check_country(data.get("country") or "")
        if country is None:
            errors["country"] = [_("Use an ISO 3166 alpha-2 country code, e.g. DE or US.")]
        out["country"] = country
    for key in ("phone", "website", "category"):
        if key in data:
            out[key] = (data.get(key) or "").strip()
    if out.get("phone") and not any(c.isdigit() for c in out["phone"]):
        errors["phone"] = [_("Give a telephone number.")]
    if out.get("category") and not SpendCategory.objects.filter(code=out["category"]).exists():
        errors["category"] = [_("Unknown spend category.")]
    if "tax_id" in data:
        out["tax_id"] = (data.get("tax_id") or "").strip()
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _check_tax(country: str, tax_id: str) -> tuple[str, bool | None]:
    if not tax_id:
        return "", None
    if problem := identifier_problem(tax_id):
        raise ValidationFailed(errors={"tax_id": [problem]})
    result = check_tax_id(country, tax_id)
    if result.valid is False:
        raise ValidationFailed(errors={"tax_id": [result.message]})
    return result.value, result.valid


def invitation_token(invitation: SupplierInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITE_SALT)


@transaction.atomic
def supplier_invite(
    *,
    actor: User,
    name: str,
    email: str,
    country: str,
    category: str = "",
    tax_id: str = "",
    base_url: str,
    portal_name: str = "Spendgate",
) -> Supplier:
    """Create the supplier (invited) and its portal user, and e-mail a signed, expiring
    onboarding link."""
    require(actor, "accounts.manage_suppliers")
    supplier, link = _invite(
        actor,
        {"name": name, "email": email, "country": country, "category": category},
        tax_id=tax_id,
        base_url=base_url,
        portal_name=portal_name,
    )
    supplier._invitation_link = link  # type: ignore[attr-defined]  # for the caller's message
    return supplier


def _invite(
    actor: Any, data: dict[str, Any], *, tax_id: str, base_url: str, portal_name: str, **extra: Any
) -> tuple[Supplier, str]:
    profile = _validated_profile(
        {k: data.get(k, "") for k in ("name", "country", "category")}, partial=False
    )
    email = (data.get("email") or "").strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Give the contact's e-mail address.")]
    if email and User.objects.with_identity(email).exists():
        errors["email"] = [_("A user with this e-mail already exists.")]
    try:
        value, valid = _check_tax(profile["country"], tax_id)
    except ValidationFailed as exc:
        errors.update(exc.errors or {})
        value, valid = "", None
    if errors:
        raise ValidationFailed(errors=errors)
    supplier = Supplier.objects.create(
        name=profile["name"],
        country=profile["country"],
        email=email,
        category=profile["category"],
        tax_id=value,
        tax_id_valid=valid,
        invited_by=actor if isinstance(actor, User) else None,
        compliance=Supplier.Compliance.NON_COMPLIANT,  # invited: not yet approved
        **extra,
    )
    user = User(email=email, invited_at=timezone.now())
    user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name=SUPPLIER))
    portal_access_grant(user, supplier)
    link = _send_invitation(supplier, user, base_url=base_url, portal_name=portal_name)
    event_record(
        actor=actor,
        action="supplier.invited",
        subject_type="supplier",
        subject_id=supplier.pk,
        after={
            "name": supplier.name,
            "country": supplier.country,
            "email": email,
            "category": profile["category"],
            "tax_id": supplier.tax_id,
            **{k: str(v) for k, v in extra.items()},
        },
    )
    return supplier, link


@transaction.atomic
def supplier_upsert_from_erp(
    *, source: str, external_id: str, data: dict[str, Any], base_url: str, portal_name: str
) -> tuple[Supplier, str]:
    """An ERP's supplier master record (`supplier.upserted`, a signed event; `source` names the
    connection in the audit trail): a supplier unknown by its ERP reference is invited into
    onboarding like any other (documents, checks, approval); a known one has its name, country,
    tax id and contact e-mail updated and its checks run again. Bank details never arrive this
    way: they go through the bank change control. Answers the supplier and "created" or
    "updated"."""
    external_id = (external_id or "").strip()[:60]
    if not external_id:
        raise ValidationFailed(errors={"external_id": [_("Give the ERP's supplier id.")]})
    supplier = Supplier.objects.select_for_update().filter(erp_reference=external_id).first()
    if supplier is None:
        supplier, _link = _invite(
            source,
            data,
            tax_id=str(data.get("tax_id") or ""),
            base_url=base_url,
            portal_name=portal_name,
            erp_reference=external_id,
        )
        return supplier, "created"
    profile = _validated_profile(
        {k: data[k] for k in ("name", "country", "tax_id") if k in data}, partial=True
    )
    before = {f: getattr(supplier, f) for f in ("name", "country", "tax_id", "email")}
    country = profile.get("country") or supplier.country
    if "tax_id" in profile or "country" in profile:
        profile["tax_id"], supplier.tax_id_valid = _check_tax(
            country, profile.get("tax_id", supplier.tax_id)
        )
    if data.get("email"):
        try:
            validate_email(str(data["email"]).strip())
        except ValidationError as exc:
            raise ValidationFailed(errors={"email": [_("Not an e-mail address.")]}) from exc
        profile["email"] = str(data["email"]).strip().lower()
    for key, value in profile.items():
        setattr(supplier, key, value)
    supplier.save(update_fields=[*profile.keys(), "tax_id_valid"])
    changed = {k: getattr(supplier, k) for k in before if getattr(supplier, k) != before[k]}
    event_record(
        actor=source,
        action="supplier.profile_updated",
        subject_type="supplier",
        subject_id=supplier.pk,
        before={k: before[k] for k in changed},
        after=changed,
        data={"erp_reference": external_id},
    )
    if changed.keys() & {"name", "country", "tax_id"}:
        checks_later(supplier.pk)
    return supplier, "updated"


def _send_invitation(supplier: Supplier, user: User, *, base_url: str, portal_name: str) -> str:
    now = timezone.now()
    SupplierInvitation.objects.filter(
        supplier=supplier, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = SupplierInvitation.objects.create(
        supplier=supplier,
        user=user,
        nonce=pysecrets.token_hex(16),
        expires_at=now + timedelta(days=settings.SUPPLIER_INVITATION_DAYS),
    )
    link = f"{base_url.rstrip('/')}/supplier-portal/accept/{invitation_token(invitation)}/"
    days = settings.SUPPLIER_INVITATION_DAYS
    with in_language_of(user):  # the contact's choice, else the organisation's language
        subject = _("%(portal)s invites %(supplier)s to onboard as a supplier") % {
            "portal": portal_name,
            "supplier": supplier.name,
        }
        message = _(
            "Complete your supplier profile, upload the requested documents and your bank "
            "details here (the link works once and for %(days)d days): %(link)s"
        ) % {"days": days, "link": link}
    transaction.on_commit(
        lambda: send_mail(
            subject=subject, message=message, from_email=None, recipient_list=[user.email]
        )
    )
    return link


@transaction.atomic
def supplier_invitation_resend(
    *, actor: User, supplier_id: Any, base_url: str, portal_name: str
) -> str:
    supplier = locked_for(actor, supplier_id)
    require(actor, "accounts.manage_suppliers")
    if supplier.status != Supplier.Status.INVITED:
        raise InvalidTransition(_("The supplier already accepted the invitation."))
    invitation = supplier.invitations.select_related("user").first()
    if invitation is None:
        raise InvalidTransition(_("This supplier was not invited through the portal."))
    link = _send_invitation(supplier, invitation.user, base_url=base_url, portal_name=portal_name)
    event_record(
        actor=actor,
        action="supplier.invitation_resent",
        subject_type="supplier",
        subject_id=supplier.pk,
    )
    return link


def invitation_from_token(token: str) -> SupplierInvitation:
    """The open invitation a link stands for; refuses tampered, expired and used links."""
    try:
        data = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature as exc:
        raise ValidationFailed(_("This invitation link is not valid.")) from exc
    invitation = (
        SupplierInvitation.objects.select_related("supplier", "user")
        .filter(pk=data.get("i"), nonce=data.get("n"))
        .first()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationFailed(_("This invitation link was replaced by a newer one."))
    if invitation.accepted_at is not None:
        raise ValidationFailed(_("This invitation link was already used; sign in instead."))
    if invitation.expires_at < timezone.now():
        raise ValidationFailed(_("This invitation link has expired; ask your buyer for a new one."))
    return invitation


@transaction.atomic
def supplier_invitation_accept(*, token: str, password: str) -> User:
    invitation = invitation_from_token(token)
    invitation = SupplierInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationFailed(_("This invitation link was already used; sign in instead."))
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(errors={"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    supplier = locked(invitation.supplier_id)
    if supplier.status == Supplier.Status.INVITED:
        supplier_transition(supplier, Supplier.Status.ONBOARDING)
        supplier.save(update_fields=["status", "compliance"])
    event_record(
        actor=user,
        action="supplier.invitation_accepted",
        subject_type="supplier",
        subject_id=supplier.pk,
        after={"user": user.email, "status": supplier.status},
    )
    return user


def _profile_open_to(actor: User, supplier: Supplier) -> None:
    """The supplier edits while onboarding; buyers may correct the profile at any time."""
    internal = actor.has_perm("accounts.manage_suppliers")
    if not internal and supplier.status not in (
        Supplier.Status.INVITED,
        Supplier.Status.ONBOARDING,
    ):
        raise InvalidTransition(
            _("Your profile is locked while it is %s; contact your buyer to change it.")
            % supplier.get_status_display().lower()
        )


def _registered_address_set(supplier: Supplier, data: dict[str, Any]) -> dict[str, str]:
    """The registered address given in `data` (line 1 and city required), or {} when none."""
    address = {k: (data.get(k) or "").strip() for k in ADDRESS_FIELDS if k in data}
    if not address:
        return address
    if not address.get("line1") or not address.get("city"):
        raise ValidationFailed(
            errors={
                k: [_("Required for the registered address.")]
                for k in ("line1", "city")
                if not address.get(k)
            }
        )
    SupplierAddress.objects.update_or_create(
        supplier=supplier,
        kind=SupplierAddress.Kind.REGISTERED,
        defaults={**address, "country": supplier.country},
    )
    return address


def _main_contact_set(supplier: Supplier, data: dict[str, Any]) -> None:
    """The main contact, when `data` names one (by default at the supplier's e-mail)."""
    contact = {k: (data.get(k) or "").strip() for k in CONTACT_FIELDS if k in data}
    if not contact.get("contact_name"):
        return
    email = contact.get("contact_email") or supplier.email
    SupplierContact.objects.update_or_create(
        supplier=supplier,
        email=email,
        defaults={
            "name": contact["contact_name"][:120],
            "phone": contact.get("contact_phone", "")[:40],
            "role": contact.get("contact_role", "")[:80],
        },
    )


@transaction.atomic
def supplier_profile_update(*, actor: User, supplier_id: Any, data: dict[str, Any]) -> Supplier:
    """Company profile, registered address and main contact. The supplier edits while
    onboarding; buyers may correct it at any time. Changes re-run the checks."""
    supplier = locked_for(actor, supplier_id)
    _profile_open_to(actor, supplier)
    profile = _validated_profile(data, partial=True)
    before = {f: getattr(supplier, f) for f in PROFILE_FIELDS}
    country = profile.get("country") or supplier.country
    if "tax_id" in profile or "country" in profile:
        value, valid = _check_tax(country, profile.get("tax_id", supplier.tax_id))
        profile["tax_id"] = value
        supplier.tax_id_valid = valid
    for key, value in profile.items():
        setattr(supplier, key, value)
    supplier.save(update_fields=[*profile.keys(), "tax_id_valid"])
    address = _registered_address_set(supplier, data)
    _main_contact_set(supplier, data)
    after = {f: getattr(supplier, f) for f in PROFILE_FIELDS}
    changed = {k: v for k, v in after.items() if before[k] != v}
    event_record(
        actor=actor,
        action="supplier.profile_updated",
        subject_type="supplier",
        subject_id=supplier.pk,
        before={k: before[k] for k in changed},
        after={**changed, **({"address": address} if address else {})},
    )
    if changed.keys() & {"name", "country", "tax_id", "category"}:
        checks_later(supplier.pk)
    return supplier


def onboarding_gaps(supplier: Supplier) -> list[str]:
    """What the supplier still has to provide before it can submit."""
    gaps = []
    if not supplier.tax_id:
        gaps.append(_("tax id"))
    if not supplier.phone:
        gaps.append(_("telephone number (used to confirm bank details)"))
    if not supplier.addresses.filter(kind=SupplierAddress.Kind.REGISTERED).exists():
        gaps.append(_("registered address"))
    policy = supplier_policy()
    assessment = assess_risk(
        supplier,
        policy.section,
        documents=list(supplier.documents.all()),
        bank_accounts=list(supplier.bank_accounts.all()),
        today=timezone.localdate(),
        now=timezone.now(),
    )
    labels = dict(DOCUMENT_TYPES)
    gaps += [_("document: %s") % labels.get(t, t) for t in assessment.missing]
    gaps += [_("document expired: %s") % labels.get(t, t) for t in assessment.expired]
    if not supplier.bank_accounts.exclude(
        status__in=[BankAccount.Status.REJECTED, BankAccount.Status.SUPERSEDED]
    ).exists():
        gaps.append(_("bank account"))
    return gaps


@transaction.atomic
def supplier_submit(*, actor: User, supplier_id: Any) -> Supplier:
    """Onboarding → pending approval. The checks run in Celery and start the approval route."""
    supplier = locked_for(actor, supplier_id)
    supplier_transition(supplier, Supplier.Status.PENDING_APPROVAL)
    gaps = onboarding_gaps(supplier)
    if gaps:
        raise ValidationFailed(
            _("Onboarding is not complete: %s.") % "; ".join(str(g) for g in gaps),
            errors={"onboarding": [str(g) for g in gaps]},
        )
    supplier.submitted_at = timezone.now()
    supplier.submitted_by = actor
    supplier.save(update_fields=["status", "compliance", "submitted_at", "submitted_by"])
    event_record(
        actor=actor, action="supplier.submitted", subject_type="supplier", subject_id=supplier.pk
    )
    checks_later(supplier.pk, start_route=True)
    return supplier
