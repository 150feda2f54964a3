"""Writes on sandbox tenants: creating one from a production tenant, and promoting what was
proven in it to the production tenant through the template mechanism (promotion.py)."""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.controls.refusals import Conflict, NotFound, ValidationFailed
from apps.events.services import event_record
from apps.policies.managed import LOCAL, LOCKED, field_label, field_set, field_value
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client
from apps.tenancy.services import partner_of, sandbox_tenant_provision

from ..policy_templates.models import PolicyTemplate
from ..policy_templates.services import CAPABILITY, template_version_create
from .copying import SandboxWriter, Written, configuration_read
from .promotion import STAND_IN_DOMAIN, Promotion, promotion_template, sandbox_changes


@dataclass(frozen=True)
class SandboxCreated:
    client: Client
    # the stand-ins' shared password, shown once to the partner who created the sandbox
    password: str
    written: Written


@transaction.atomic
def sandbox_create(*, actor: Any, from_client: Client) -> SandboxCreated:
    """A sandbox of the partner's production tenant `from_client`: a tenant of its own
    (apps.tenancy.services.sandbox_tenant_provision checks the partner role and that the
    tenant is the partner's own) holding the tenant's configuration, with a stand-in per role
    in use. Audited on the public schema (`tenant.sandbox_provisioned`) and in the sandbox
    (`sandbox.created`)."""
    sandbox = sandbox_tenant_provision(actor=actor, source=from_client)
    with tenant_context(from_client):
        config = configuration_read()
    password = secrets.token_urlsafe(12)
    label = f"partner:{actor.email}"
    with tenant_context(sandbox):
        writer = SandboxWriter(config, slug=sandbox.slug, actor=label, password=password)
        written = writer.write(source_name=from_client.name)
        event_record(
            actor=label,
            action="sandbox.created",
            subject_type="tenant",
            subject_id=sandbox.slug,
            after={
                "sandbox_of": from_client.slug,
                "policy_version": written.policy_label or None,
                "stand_ins": [standin.email for standin in written.standins],
                **written.counts,
            },
        )
    return SandboxCreated(client=sandbox, password=password, written=written)


@transaction.atomic
def sandbox_promote(
    *, actor: User, sandbox: Client, template: PolicyTemplate | None = None
) -> Promotion:
    """A new version of the production tenant's template (or `template`) carrying the
    sandbox's changed fields. Nothing is published: the partner previews and publishes it."""
    partner = partner_of(actor, CAPABILITY)
    sandbox = Client.objects.filter(pk=sandbox.pk, partner=partner).first() or sandbox
    if sandbox.partner_id != partner.pk or not sandbox.is_sandbox or sandbox.sandbox_of is None:
        raise NotFound(_("None of your sandboxes is called %(slug)s.") % {"slug": sandbox.slug})
    production = sandbox.sandbox_of
    chosen = promotion_template(partner, production, template)
    document, changed = sandbox_changes(sandbox)
    if not changed:
        raise Conflict(
            _("Nothing in %(name)s's policy has changed since it was made.")
            % {"name": sandbox.name}
        )
    naming = [p for p in changed if STAND_IN_DOMAIN in json.dumps(field_value(document, p))]
    if naming:
        raise ValidationFailed(
            _(
                "%(fields)s names stand-in people of the sandbox; change who approves in "
                "%(name)s itself."
            )
            % {"fields": ", ".join(field_label(p) for p in naming), "name": production.name},
            errors={"sandbox": [field_label(p) for p in naming]},
        )
    latest = chosen.versions.order_by("-number").first()
    base = copy.deepcopy(latest.document) if latest else {}
    marks = dict(latest.fields) if latest else {}
    promotion_marks = {p: marks.get(p, LOCKED) for p in changed}
    for path in changed:
        field_set(base, path, field_value(document, path))
    version = template_version_create(
        actor=actor,
        template=chosen,
        document=base,
        fields={**marks, **promotion_marks},
        note=(
            _("Promoted from %(sandbox)s: %(fields)s")
            % {"sandbox": sandbox.name, "fields": ", ".join(field_label(p) for p in changed)}
        )[:300],
    )
    return Promotion(
        version=version,
        production=production,
        pushed=[p for p in changed if promotion_marks[p] == LOCKED],
        left_local=[p for p in changed if promotion_marks[p] == LOCAL],
    )
