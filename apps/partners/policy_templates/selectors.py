"""Reads on policy templates: the partner's templates with their versions and rollouts, the
per-tenant preview before publishing, and the drift report across the partner's clients."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.matching.tolerance_replay import tolerance_impact
from apps.policies.document import validate_document
from apps.policies.models import PolicyVersion
from apps.policies.replay import replay_of
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Client, Partner

from .compose import composed, drift, field_changes, tenant_policy
from .models import PolicyTemplate, PolicyTemplateVersion, TemplateRollout

# the impact preview replays each tenant's own last 90 days
PREVIEW_DAYS = 90
INVOICES_PARTLY_REPLAYED = _(
    "Each invoice line's price and quantity are judged again under the new tolerances; the "
    "header tolerance (invoice total against the order) is not replayed."
)


def partner_templates(partner: Partner) -> QuerySet[PolicyTemplate]:
    rollouts = TemplateRollout.objects.select_related("client", "published_by").order_by(
        "-published_at", "-id"
    )
    versions = (
        PolicyTemplateVersion.objects.select_related("created_by")
        .prefetch_related(Prefetch("rollouts", queryset=rollouts))
        .order_by("-number")
    )
    return (
        PolicyTemplate.objects.filter(partner=partner)
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("name", "id")
    )


def template_preview(
    *, version: PolicyTemplateVersion, clients: list[Client]
) -> list[dict[str, Any]]:
    """Per tenant, in its own schema: the fields the version would change, the requisitions
    of its last 90 days that would have been routed differently and, when the invoice section
    changes, the invoices that would have matched differently."""
    impact = replay_of("requisition").impact
    found = []
    for client in clients:
        with tenant_context(client):
            published, binding = tenant_policy()
            current = published.document if published else None
            document = composed(version, current, binding)
            changes = field_changes(version, current, document)
            tolerances_change = any(c["field"].startswith("invoices.") for c in changes)
            invoices: dict[str, Any] = {"replayed": False, "considered": 0, "changed": []}
            if tolerances_change and current is not None:
                invoices = {
                    "replayed": True,
                    **tolerance_impact(
                        before=validate_document(current)["invoices"],
                        after=document["invoices"],
                        days=PREVIEW_DAYS,
                    ),
                }
            invoices["detail"] = str(INVOICES_PARTLY_REPLAYED) if tolerances_change else ""
            if published is None:
                requisitions: dict[str, Any] = {
                    "window_days": PREVIEW_DAYS,
                    "considered": 0,
                    "changed": [],
                    "not_replayed": [],
                }
            else:
                candidate = PolicyVersion(number=published.number + 1, document=document)
                requisitions = impact(draft=candidate, baseline=published, days=PREVIEW_DAYS)
        found.append(
            {
                "tenant": client.slug,
                "name": client.name,
                "policy_version": published.number if published else None,
                "adopting": binding is None or binding.template_ref != version.template_id,
                "fields": changes,
                "requisitions": requisitions,
                "invoices": invoices,
            }
        )
    return found


def drift_report(partner: Partner, clients: list[Client]) -> list[dict[str, Any]]:
    """Per client: the template version it follows and each field that differs from it."""
    clients = list(clients)
    bindings = {}
    for client in clients:
        with tenant_context(client):
            _published, binding = tenant_policy()
        bindings[client.pk] = binding
    wanted = {(b.template_ref, b.template_version) for b in bindings.values() if b is not None}
    versions = {
        (v.template_id, v.number): v
        for v in PolicyTemplateVersion.objects.filter(template__partner=partner)
        .select_related("template")
        .filter(template_id__in={ref for ref, _n in wanted})
        if (v.template_id, v.number) in wanted
    }
    latest = {
        v.template_id: v.number
        for v in PolicyTemplateVersion.objects.filter(template__partner=partner).order_by("number")
    }
    report = []
    for client in clients:
        binding = bindings[client.pk]
        version = (
            versions.get((binding.template_ref, binding.template_version)) if binding else None
        )
        row: dict[str, Any] = {
            "tenant": client.slug,
            "name": client.name,
            "template": None,
            "fields": [],
        }
        if version is not None:
            with tenant_context(client):
                fields = drift(version)
            row.update(
                template={
                    "id": version.template_id,
                    "name": version.template.name,
                    "version": version.number,
                    "latest_version": latest.get(version.template_id, version.number),
                },
                fields=fields,
            )
        report.append(row)
    return report
