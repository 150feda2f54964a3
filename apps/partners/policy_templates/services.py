"""Writes on policy templates: a template and its versions, and publishing a version to client
tenants in stages (a pilot first, then the rest). Each tenant's policy changes through the
policies services inside its own schema, so its audit trail names the partner's person; the
partner's side records its own events on the public trail."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.refusals import Conflict, NotFound, ValidationFailed
from apps.events.services import event_record
from apps.policies.document import PolicyError, validate_document
from apps.policies.managed import LOCAL, LOCKED, field_value, fields_errors
from apps.policies.services import policy_draft_create, policy_management_set, policy_publish
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client, Partner
from apps.tenancy.selectors import partner_clients
from apps.tenancy.services import partner_of

from .compose import composed, template_document, tenant_policy
from .models import PolicyTemplate, PolicyTemplateVersion, TemplateRollout
from .selectors import template_preview

CAPABILITY = "manage_templates"


def partner_actor(user: User) -> str:
    """How a tenant's trail names the partner's person who changed its policy."""
    return f"partner:{user.email}"


def _valid_template_document(document: Any) -> dict[str, Any]:
    try:
        return template_document(document)
    except PolicyError as exc:
        raise ValidationFailed(
            _("The template's policy is not valid."),
            errors={f"document.{k}": v for k, v in exc.errors.items()},
        ) from exc


def _valid_fields(fields: Any) -> dict[str, str]:
    errors = fields_errors(fields)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return dict(fields)


def partner_client(partner: Partner, slug: str) -> Client:
    """One of the partner's own clients; another partner's tenant is not found."""
    client = partner_clients(partner).filter(slug=slug).first()
    if client is None:
        raise NotFound(_("None of your client tenants is called %(slug)s.") % {"slug": slug})
    return client


def _own_template(partner: Partner, template: PolicyTemplate) -> PolicyTemplate:
    locked = PolicyTemplate.objects.select_for_update().filter(pk=template.pk, partner=partner)
    found = locked.first()
    if found is None:
        raise NotFound(_("No such policy template."))
    return found


def _version_add(
    *,
    actor: User,
    template: PolicyTemplate,
    document: dict[str, Any],
    fields: dict[str, str],
    note: str,
    from_tenant: str = "",
) -> PolicyTemplateVersion:
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyTemplateVersion.objects.create(
        template=template,
        number=number,
        document=document,
        fields=fields,
        note=note,
        from_tenant=from_tenant,
        created_by=actor,
    )
    event_record(
        actor=actor,
        action="template.version_created",
        subject_type="policy_template",
        subject_id=template.pk,
        after={
            "template": template.name,
            "version": number,
            LOCKED: sorted(p for p, m in fields.items() if m == LOCKED),
            LOCAL: sorted(p for p, m in fields.items() if m == LOCAL),
            "from_tenant": from_tenant or None,
        },
    )
    return version


@transaction.atomic
def template_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    document: Any,
    fields: Any,
    note: str = "",
) -> PolicyTemplate:
    """A new template with its first version."""
    partner = partner_of(actor, CAPABILITY)
    name = name.strip()
    if not name:
        raise ValidationFailed(errors={"name": [_("Name the template.")]})
    clean, marked = _valid_template_document(document), _valid_fields(fields)
    if PolicyTemplate.objects.filter(partner=partner, name=name).exists():
        raise ValidationFailed(
            errors={"name": [_("You already have a template called %(name)s.") % {"name": name}]}
        )
    template = PolicyTemplate.objects.create(partner=partner, name=name, description=description)
    _version_add(actor=actor, template=template, document=clean, fields=marked, note=note)
    return template


@transaction.atomic
def template_version_create(
    *,
    actor: User,
    template: PolicyTemplate,
    fields: Any,
    document: Any = None,
    from_tenant: str = "",
    note: str = "",
) -> PolicyTemplateVersion:
    """A new version of `template`: from a policy document, or from a client tenant's
    published policy (`from_tenant`, a slug: how a sandbox's policy is promoted)."""
    partner = partner_of(actor, CAPABILITY)
    template = _own_template(partner, template)
    marked = _valid_fields(fields)
    if from_tenant:
        client = partner_client(partner, from_tenant)
        with tenant_context(client):
            published, _binding = tenant_policy()
        if published is None:
            raise ValidationFailed(
                errors={"from_tenant": [_("%(name)s has no published policy.") % {"name": client}]}
            )
        document = published.document
    elif document is None:
        raise ValidationFailed(errors={"document": [_("Give the policy, or a tenant to copy.")]})
    clean = _valid_template_document(document)
    return _version_add(
        actor=actor,
        template=template,
        document=clean,
        fields=marked,
        note=note,
        from_tenant=from_tenant,
    )


def publish_targets(
    partner: Partner, version: PolicyTemplateVersion, stage: str, tenants: list[str] | None
) -> list[Client]:
    if stage not in TemplateRollout.Stage.values:
        raise ValidationFailed(errors={"stage": [_("Publish to a pilot first, or to all.")]})
    if stage == TemplateRollout.Stage.PILOT and not tenants:
        raise ValidationFailed(errors={"tenants": [_("Name the pilot tenant.")]})
    if (
        stage == TemplateRollout.Stage.ALL
        and not version.rollouts.filter(stage=TemplateRollout.Stage.PILOT).exists()
    ):
        raise Conflict(
            _(
                'Publish v%(number)d of "%(template)s" to a pilot tenant first; the other '
                "clients follow once the pilot has it."
            )
            % {"number": version.number, "template": version.template.name}
        )
    named = (
        [partner_client(partner, slug) for slug in dict.fromkeys(tenants)]
        if tenants
        else list(partner_clients(partner).order_by("name"))
    )
    if stage == TemplateRollout.Stage.PILOT:
        return named
    # the rest: a client that has this version already (the pilot) keeps its rollout
    done = set(version.rollouts.values_list("client_id", flat=True))
    return [c for c in named if c.pk not in done]


def _publish_in_tenant(
    *, actor: User, client: Client, version: PolicyTemplateVersion
) -> int | None:
    """Bind the tenant to `version` and publish what it makes of its policy, in its schema;
    the number of the tenant's new policy version (None when its policy already reads so)."""
    template = version.template
    who = partner_actor(actor)
    with tenant_context(client):
        published, binding = tenant_policy()
        current = published.document if published else None
        document = composed(version, current, binding)
        policy_management_set(
            actor=who,
            partner_name=template.partner.name,
            template_name=template.name,
            template_ref=template.pk,
            template_version=version.number,
            locked={
                path: field_value(version.document, path)
                for path, mode in version.fields.items()
                if mode == LOCKED
            },
            local=[path for path, mode in version.fields.items() if mode == LOCAL],
        )
        if current is not None and validate_document(current) == document:
            return None
        draft = policy_draft_create(
            actor=who,
            document=document,
            note=(
                _("%(template)s v%(number)d from %(partner)s")
                % {"template": template.name, "number": version.number, "partner": template.partner}
            )[:300],
        )
        return policy_publish(actor=who, version=draft).number


@transaction.atomic
def template_publish(
    *,
    actor: User,
    version: PolicyTemplateVersion,
    stage: str,
    tenants: list[str] | None = None,
) -> list[TemplateRollout]:
    """Publish a template version: `pilot` to exactly the tenants named; `all` once a pilot has
    it, to the tenants named or else every client that does not have it yet. All or nothing:
    a tenant that refuses (its policy invalid under the template) stops the whole step."""
    partner = partner_of(actor, CAPABILITY)
    template = _own_template(partner, version.template)
    version = PolicyTemplateVersion.objects.select_related("template__partner").get(pk=version.pk)
    clients = publish_targets(partner, version, stage, tenants)
    previews = {p["tenant"]: p for p in template_preview(version=version, clients=clients)}
    now = timezone.now()
    rollouts = []
    for client in clients:
        policy_number = _publish_in_tenant(actor=actor, client=client, version=version)
        preview = previews[client.slug]
        rollout, _created = TemplateRollout.objects.update_or_create(
            version=version,
            client=client,
            defaults={
                "stage": stage,
                "policy_version": policy_number,
                "published_by": actor,
                "published_at": now,
                "preview": {
                    "considered": preview["requisitions"]["considered"],
                    "changed": len(preview["requisitions"]["changed"]),
                    "fields": [f["field"] for f in preview["fields"]],
                    "invoices_changed": len(preview["invoices"]["changed"]),
                },
            },
        )
        rollouts.append(rollout)
    event_record(
        actor=actor,
        action="template.published",
        subject_type="policy_template",
        subject_id=template.pk,
        after={
            "template": template.name,
            "version": version.number,
            "stage": stage,
            "tenants": [c.slug for c in clients],
        },
    )
    return rollouts
