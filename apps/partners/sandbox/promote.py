"""Promoting what was proven in a sandbox to its production tenant, through the template
mechanism: the policy fields changed in the sandbox since it was made become a new version of
the template the production tenant follows, which the partner previews on the production
tenant's own 90 days and publishes like any other version.

Only what changed in the sandbox travels. The sandbox's rules name stand-ins where the
production tenant names people, so a changed field that names a stand-in is refused: a route
naming people is changed in the production tenant itself. A changed field the template leaves
to the client (`local`) stays the client's choice and is said so; one the template does not set
yet becomes `locked`, since the partner is making it its standard."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.controls.refusals import Conflict, NotFound, ValidationFailed
from apps.policies.managed import FIELD_PATHS, LOCAL, LOCKED, field_label, field_set, field_value
from apps.policies.models import PolicyManagement, PolicyVersion
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client
from apps.tenancy.services import partner_of

from ..policy_templates.models import PolicyTemplate, PolicyTemplateVersion
from ..policy_templates.services import CAPABILITY, template_version_create

STAND_IN_DOMAIN = ".sandbox.test"


@dataclass
class Promotion:
    version: PolicyTemplateVersion
    production: Client
    pushed: list[str] = field(default_factory=list)  # field paths the version sets for it
    left_local: list[str] = field(default_factory=list)  # changed, but the client's choice


def _sandbox_changes(sandbox: Client) -> tuple[dict[str, Any], list[str]]:
    """The sandbox's published policy and the fields changed since the sandbox was made."""
    with tenant_context(sandbox):
        made = (
            AuditEvent.objects.filter(action="sandbox.created", subject_id=sandbox.slug)
            .order_by("id")
            .first()
        )
        label = ((made.after or {}) if made else {}).get("policy_version") or ""
        baseline = (
            PolicyVersion.objects.filter(number=int(label[1:])).first()
            if label[1:].isdigit()
            else None
        )
        now = (
            PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
            .order_by("-number")
            .first()
        )
    if baseline is None or now is None:
        raise Conflict(_("%(name)s has no policy of its own to promote.") % {"name": sandbox.name})
    changed = [
        path
        for path in FIELD_PATHS
        if field_value(baseline.document, path) != field_value(now.document, path)
    ]
    return dict(now.document), changed


def _template_of(partner: Any, production: Client, template: PolicyTemplate | None) -> Any:
    if template is not None:
        found = PolicyTemplate.objects.filter(partner=partner, pk=template.pk).first()
        if found is None:
            raise NotFound(_("No such policy template."))
        return found
    with tenant_context(production):
        binding = PolicyManagement.objects.first()
    found = (
        PolicyTemplate.objects.filter(partner=partner, pk=binding.template_ref).first()
        if binding is not None
        else None
    )
    if found is None:
        raise Conflict(
            _(
                "%(name)s follows none of your templates yet: choose the template to promote "
                "the sandbox's policy into."
            )
            % {"name": production.name}
        )
    return found


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
    chosen = _template_of(partner, production, template)
    document, changed = _sandbox_changes(sandbox)
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
