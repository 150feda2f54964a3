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

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.controls.refusals import Conflict, NotFound
from apps.policies.managed import FIELD_PATHS, field_value
from apps.policies.models import PolicyManagement, PolicyVersion
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client

from ..policy_templates.models import PolicyTemplate, PolicyTemplateVersion

STAND_IN_DOMAIN = ".sandbox.test"


@dataclass
class Promotion:
    version: PolicyTemplateVersion
    production: Client
    pushed: list[str] = field(default_factory=list)  # field paths the version sets for it
    left_local: list[str] = field(default_factory=list)  # changed, but the client's choice


def sandbox_changes(sandbox: Client) -> tuple[dict[str, Any], list[str]]:
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


def promotion_template(partner: Any, production: Client, template: PolicyTemplate | None) -> Any:
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
