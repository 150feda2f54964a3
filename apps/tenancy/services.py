"""Writes on partners and client tenants: provisioning, suspension, branding."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.controls.refusals import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionRefused,
    ValidationFailed,
)
from apps.controls.registries import HookRegistry
from apps.controls.transitions import move_status
from apps.events.services import event_record

from . import branding, selectors
from .context import tenant_context
from .models import (
    RESERVED_SLUGS,
    SLUG,
    BrandLogo,
    Client,
    ClientPlan,
    Domain,
    Partner,
)
from .partner_roles import PARTNER_CAPABILITY_LABELS
from .plans import PLAN_METRICS

HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
LANGUAGES = {"en", "de", "fr", "es"}


def partner_of(user: Any, capability: str = "view_console") -> Partner:
    """The partner `user` works for, when their partner role holds `capability`
    (apps.tenancy.partner_roles); refused otherwise."""
    membership = getattr(user, "partner_membership", None) if user.is_authenticated else None
    if membership is None:
        raise PermissionRefused(_("Only partner users may manage client tenants."))
    if capability not in membership.capabilities:
        raise PermissionRefused(
            _("Your partner role, %(role)s, may not %(what)s.")
            % {
                "role": membership.get_role_display(),
                "what": PARTNER_CAPABILITY_LABELS.get(capability, capability),
            }
        )
    return membership.partner


def _snapshot(client: Client) -> dict[str, Any]:
    return {
        "portal_name": client.portal_name,
        "primary_color": client.primary_color,
        "accent_color": client.accent_color,
        "support_email": client.support_email,
        "logo": client.logo_content_type or None,
        "status": client.status,
    }


def _clean_branding(
    data: dict[str, Any], errors: dict[str, list[str]], prefix: str = ""
) -> dict[str, Any]:
    cleaners = {
        "portal_name": branding.clean_portal_name,
        "primary_color": branding.clean_colour,
        "accent_color": branding.clean_colour,
    }
    clean: dict[str, Any] = {}
    for field, value in data.items():
        try:
            if field in cleaners:
                clean[field] = cleaners[field](value)
            elif field == "support_email":
                if value:
                    validate_email(value)
                clean[field] = value or ""
            elif field == "logo":
                clean["logo"], clean["logo_content_type"] = branding.clean_logo(value)
            else:
                errors.setdefault(f"{prefix}{field}", []).append(_("Unknown branding field."))
        except ValidationError as exc:
            errors.setdefault(f"{prefix}{field}", []).extend(exc.messages)
    return clean


def _slug_errors(slug: str) -> list[str]:
    try:
        SLUG(slug)
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This name is reserved."))
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _tenant_checked(
    *,
    slug: str,
    name: str,
    domain: str,
    brand: dict[str, Any],
    default_language: str,
    admin_email: str | None,
) -> tuple[str, str, dict[str, Any]]:
    """(slug, domain, brand) normalised and cleaned; every problem found refuses at once, and
    a slug or domain already taken only once the rest is valid."""
    errors: dict[str, list[str]] = {}
    slug = (slug or "").strip().lower()
    if slug_errors := _slug_errors(slug):
        errors["slug"] = slug_errors
    domain = (domain or "").strip().lower()
    if not HOSTNAME_RE.fullmatch(domain):
        errors["domain"] = [_("Enter a host name such as client.example.com.")]
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if default_language not in LANGUAGES:
        errors["default_language"] = [_("Choose one of: %s.") % ", ".join(sorted(LANGUAGES))]
    if "portal_name" not in brand:
        brand = {**brand, "portal_name": name}
    clean = _clean_branding(brand, errors, prefix="branding.")
    if admin_email:
        try:
            validate_email(admin_email)
        except ValidationError as exc:
            errors["admin_email"] = list(exc.messages)
    if not errors and Client.objects.filter(slug=slug).exists():
        errors["slug"] = [_("A tenant with this slug already exists.")]
    if not errors and Domain.objects.filter(domain=domain).exists():
        errors["domain"] = [_("This domain is already in use.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return slug, domain, clean


@transaction.atomic
def _client_create(
    *,
    actor: Any,
    partner: Partner,
    slug: str,
    name: str,
    domain: str,
    default_language: str,
    clean: dict[str, Any],
    sandbox_of: Client | None = None,
) -> Client:
    """The client with its schema (cloned from the template), primary domain and logo; a
    sandbox when `sandbox_of` names the production tenant it stands in for."""
    logo = clean.pop("logo", None)
    client = Client(
        schema_name=slug,
        slug=slug,
        name=name.strip(),
        partner=partner,
        default_language=default_language,
        kind=Client.Kind.SANDBOX if sandbox_of else Client.Kind.PRODUCTION,
        sandbox_of=sandbox_of,
        **clean,
    )
    try:
        client.save()  # clones the template schema (TENANT_BASE_SCHEMA)
        Domain.objects.create(domain=domain, tenant=client, is_primary=True)
        if logo is not None:
            BrandLogo.objects.create(
                client=client, data=logo, content_type=client.logo_content_type
            )
    except IntegrityError as exc:
        raise ValidationFailed(
            errors={"slug": [_("A tenant with this slug already exists.")]}
        ) from exc
    sandbox = {"sandbox_of": sandbox_of.slug} if sandbox_of else {}
    event_record(
        actor=actor,
        action="tenant.sandbox_provisioned" if sandbox_of else "tenant.provisioned",
        subject_type="tenant",
        subject_id=slug,
        after={"name": client.name, "domain": domain, **_snapshot(client), **sandbox},
    )
    return client


def tenant_provision(
    *,
    actor: Any,
    slug: str,
    name: str,
    domain: str,
    brand: dict[str, Any],
    default_language: str = "en",
    admin_email: str | None = None,
    base_url: str | None = None,
) -> Client:
    """Create a client tenant: a schema cloned from the migrated template, its domain, its
    brand, and (optionally) an invited tenant admin."""
    partner = partner_of(actor, "manage_tenants")
    slug, domain, clean = _tenant_checked(
        slug=slug,
        name=name,
        domain=domain,
        brand=brand,
        default_language=default_language,
        admin_email=admin_email,
    )
    client = _client_create(
        actor=actor,
        partner=partner,
        slug=slug,
        name=name,
        domain=domain,
        default_language=default_language,
        clean=clean,
    )
    provisioned = Provisioned(
        client=client,
        actor=actor,
        admin_email=admin_email or "",
        base_url=base_url or f"http://{domain}",
    )
    with tenant_context(client), transaction.atomic():
        for step in _provisioning_steps:
            step(provisioned)
    return client


SANDBOX_SLUG = "sbx"
SANDBOX_LABEL = "-sandbox"


def _sandbox_names(source: Client) -> tuple[str, str]:
    """A free slug and domain for a new sandbox of `source`: its slug with `sbx` (`sbx2`, …)
    and its primary domain's first label with `-sandbox` (`-sandbox2`, …), so the sandbox is
    served beside its production tenant (acme.localhost, acme-sandbox.localhost)."""
    first, _dot, rest = (selectors.primary_domain(source) or f"{source.slug}.localhost").partition(
        "."
    )
    for n in range(1, 100):
        number = "" if n == 1 else str(n)
        slug = f"{source.slug[: 31 - len(SANDBOX_SLUG + number)]}{SANDBOX_SLUG}{number}"
        label = f"{first[: 63 - len(SANDBOX_LABEL + number)]}{SANDBOX_LABEL}{number}"
        domain = f"{label}.{rest}" if rest else label
        taken = (
            Client.objects.filter(slug=slug).exists()
            or Domain.objects.filter(domain=domain).exists()
        )
        if not taken and not _slug_errors(slug) and HOSTNAME_RE.fullmatch(domain):
            return slug, domain
    raise Conflict(_("%(name)s has too many sandboxes; remove one first.") % {"name": source.name})


@transaction.atomic
def sandbox_tenant_provision(*, actor: Any, source: Client) -> Client:
    """A new, empty sandbox tenant standing in for the production tenant `source`: a schema
    cloned from the template like any tenant's, the source's brand with "(sandbox)" in the
    portal name, and no support address (the client's people are not copied). The caller
    (apps.partners' sandbox_create) fills it with the source's configuration."""
    partner = partner_of(actor, "manage_sandboxes")
    source = Client.objects.select_related("partner").get(pk=source.pk)
    if source.partner_id != partner.pk:
        raise PermissionRefused()
    if source.is_sandbox:
        raise ValidationFailed(
            errors={
                "from_tenant": [_("Make a sandbox from a production tenant, not from a sandbox.")]
            }
        )
    slug, domain = _sandbox_names(source)
    suffix = " " + _("(sandbox)")
    clean: dict[str, Any] = {
        "portal_name": f"{source.portal_name[: 80 - len(suffix)]}{suffix}",
        "primary_color": source.primary_color,
        "accent_color": source.accent_color,
        "time_zone": source.time_zone,
    }
    logo = BrandLogo.objects.filter(client=source).first()
    if logo is not None:
        clean |= {"logo": bytes(logo.data), "logo_content_type": logo.content_type}
    client = _client_create(
        actor=actor,
        partner=partner,
        slug=slug,
        name=f"{source.name[: 200 - len(suffix)]}{suffix}",
        domain=domain,
        default_language=source.default_language,
        clean=clean,
        sandbox_of=source,
    )
    provisioned = Provisioned(client=client, actor=actor, admin_email="", base_url="")
    with tenant_context(client), transaction.atomic():
        for step in _provisioning_steps:
            step(provisioned)
    return client


@dataclass(frozen=True)
class Provisioned:
    """A client tenant just created, for the steps other contexts add to provisioning."""

    client: Client
    actor: Any  # the partner user who provisioned it
    admin_email: str  # the tenant admin to invite, or empty
    base_url: str  # where the tenant's pages are served


_provisioning_steps = HookRegistry[Callable[[Provisioned], None]](
    "tenancy.services.on_tenant_provisioned",
    "the first tenant admin's invitation; the client's first standing on the console",
)


def on_tenant_provisioned(step: Callable[[Provisioned], None]) -> None:
    """A context above tenancy adds a step to provisioning (accounts invites the first tenant
    admin): registered in its AppConfig.ready(), run inside the new tenant's schema."""
    if step not in _provisioning_steps:
        _provisioning_steps.append(step)


@transaction.atomic
def tenant_set_status(
    *, actor: Any, client: Client, status: str, reason: str, confirm_name: str = ""
) -> Client:
    """Suspend or reactivate a client tenant, with the reason kept in the trail. Suspending
    shuts every user of the tenant out at once, so the partner types the tenant's name back
    (`confirm_name`, compared without regard to case or surrounding spaces)."""
    partner = partner_of(actor, "manage_tenants")
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.partner_id != partner.pk:
        raise PermissionRefused()
    if status not in (Client.Status.ACTIVE, Client.Status.SUSPENDED):
        raise ValidationFailed(errors={"status": [_("Choose active or suspended.")]})
    if client.status not in (Client.Status.ACTIVE, Client.Status.SUSPENDED):
        # offboarding is left by its own cancel (apps.partners), never by a resume
        raise InvalidTransition(
            _("%(name)s is being offboarded: cancel the offboarding first.") % {"name": client.name}
        )
    before = client.status
    suspended_at = client.suspended_at
    move_status(client, status, noun=_("tenant"))  # a tenant already there: 409 first
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why, for the audit trail.")]
    typed = " ".join((confirm_name or "").split()).casefold()
    if status == Client.Status.SUSPENDED and typed != " ".join(client.name.split()).casefold():
        errors["confirm_name"] = [
            _("Type the tenant's name, %(name)s, to confirm.") % {"name": client.name}
        ]
    if errors:
        raise ValidationFailed(errors=errors)
    if status == Client.Status.SUSPENDED:
        client.suspended_at = timezone.now()
    client.save(update_fields=["status", "suspended_at"])
    event_record(
        actor=actor,
        action=f"tenant.{'suspended' if status == 'suspended' else 'reactivated'}",
        subject_type="tenant",
        subject_id=client.slug,
        before={"status": before},
        after={"status": status, "reason": reason},
    )
    if status == Client.Status.ACTIVE:
        tenant_resumed(client, suspended_since=suspended_at)
    return client


def tenant_resumed(client: Client, *, suspended_since: Any) -> None:
    """The resume steps of the contexts above (the webhooks' clocks move on by the time the
    tenant stood still; held mail is filed), run in the tenant's schema in the caller's
    transaction. `suspended_since` is None for a tenant suspended before it was recorded."""
    paused = timezone.now() - suspended_since if suspended_since else None
    with tenant_context(client):
        for step in _resume_steps:
            step(Resumed(client=client, paused=paused))


@dataclass(frozen=True)
class Resumed:
    """A client tenant active again, for the steps other contexts add to resuming."""

    client: Client
    paused: Any  # timedelta the tenant was suspended, or None when unknown


_resume_steps = HookRegistry[Callable[[Resumed], None]](
    "tenancy.services.on_tenant_resumed",
    "webhook endpoints' failing clocks moved on by the suspension",
)


def on_tenant_resumed(step: Callable[[Resumed], None]) -> None:
    """A context above tenancy adds a step to resuming (integrations moves its clocks on):
    registered in its AppConfig.ready(), run inside the tenant's schema."""
    if step not in _resume_steps:
        _resume_steps.append(step)


@transaction.atomic
def tenant_update_branding(*, actor: Any, client: Client, changes: dict[str, Any]) -> Client:
    partner = partner_of(actor, "manage_tenants")
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.partner_id != partner.pk:
        raise PermissionRefused()
    errors: dict[str, list[str]] = {}
    clean = _clean_branding(changes, errors)
    if errors:
        raise ValidationFailed(errors=errors)
    before = _snapshot(client)
    logo = clean.pop("logo", None)
    if logo is not None:
        BrandLogo.objects.update_or_create(
            client=client, defaults={"data": logo, "content_type": clean["logo_content_type"]}
        )
    for field, value in clean.items():
        setattr(client, field, value)
    client.branding_version += 1
    client.save(update_fields=[*clean.keys(), "branding_version"])
    event_record(
        actor=actor,
        action="tenant.branding_changed",
        subject_type="tenant",
        subject_id=client.slug,
        before=before,
        after=_snapshot(client),
    )
    return client


@transaction.atomic
def partner_ensure(*, name: str) -> Partner:
    partner, _created = Partner.objects.get_or_create(name=name)
    return partner


def _limit(value: Any, field: str, errors: dict[str, list[str]]) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors[field] = [_("A whole number of 0 or more, or empty for no limit.")]
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0 or str(value).strip() != str(number):
        errors[field] = [_("A whole number of 0 or more, or empty for no limit.")]
        return None
    return number


@transaction.atomic
def client_plan_set(*, actor: Any, client: Client, limits: dict[str, Any]) -> ClientPlan:
    """Set a client's limits (`{"invoices_soft": 900, "invoices_hard": 1000, …}`; a field left
    out keeps its value, None removes the limit). Partner admins and billing, own clients."""
    partner = partner_of(actor, "manage_plans")
    if client.partner_id != partner.pk:
        raise NotFound()
    fields = [f"{metric}_{edge}" for metric in PLAN_METRICS for edge in ("soft", "hard")]
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(limits) - set(fields))
    for name in unknown:
        errors[name] = [_("Not a limit of the plan.")]
    plan, _created = ClientPlan.objects.select_for_update().get_or_create(client=client)
    before = {f: getattr(plan, f) for f in fields}
    after = dict(before)
    for name in set(limits) & set(fields):
        after[name] = _limit(limits[name], name, errors)
    for metric in PLAN_METRICS:
        soft, hard = after[f"{metric}_soft"], after[f"{metric}_hard"]
        if soft is not None and hard is not None and soft > hard and f"{metric}_soft" not in errors:
            errors[f"{metric}_soft"] = [_("The soft limit cannot be above the hard limit.")]
    if errors:
        raise ValidationFailed(errors=errors)
    for name, value in after.items():
        setattr(plan, name, value)
    plan.save(update_fields=[*fields, "updated_at"])
    event_record(
        actor=actor,
        action="tenant.plan_changed",
        subject_type="tenant",
        subject_id=client.slug,
        before=before,
        after=after,
    )
    return plan
