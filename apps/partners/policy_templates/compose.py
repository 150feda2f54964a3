"""What a template version makes of one tenant's policy, and how a tenant's policy differs from
the version it follows. Both read the tenant's own schema: the caller is inside its
tenant_context."""

from __future__ import annotations

import copy
from typing import Any

from apps.audit.models import AuditEvent
from apps.policies.document import DEFAULT_POLICY, PolicyError, validate_document
from apps.policies.managed import LOCAL, LOCKED, field_label, field_set, field_value
from apps.policies.models import PolicyManagement, PolicyVersion

from .models import PolicyTemplateVersion


def template_document(document: Any) -> dict[str, Any]:
    """A template's document with what it leaves out taken from the default policy, validated
    (raises PolicyError)."""
    if not isinstance(document, dict):
        raise PolicyError({"document": ["The policy must be a JSON object."]})
    return validate_document({**copy.deepcopy(DEFAULT_POLICY), **document})


def tenant_policy() -> tuple[PolicyVersion | None, PolicyManagement | None]:
    """The tenant's published policy version (None before its first) and its binding."""
    published = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    return published, PolicyManagement.objects.first()


def composed(
    version: PolicyTemplateVersion,
    current: dict[str, Any] | None,
    binding: PolicyManagement | None,
) -> dict[str, Any]:
    """The tenant's policy under `version`: locked fields take the template's value; a local
    field takes it when the tenant first adopts the template (or the field is new to it), and
    keeps the tenant's own value afterwards. Everything the template does not set stays."""
    document = copy.deepcopy(validate_document(current) if current else version.document)
    adopting = binding is None or binding.template_ref != version.template_id
    governed = set() if adopting or binding is None else {*binding.locked, *binding.local}
    for path, mode in version.fields.items():
        if mode == LOCKED or path not in governed:
            field_set(document, path, field_value(version.document, path))
    return validate_document(document)


def field_changes(
    version: PolicyTemplateVersion, before: dict[str, Any] | None, after: dict[str, Any]
) -> list[dict[str, Any]]:
    """The template's fields whose value `after` changes, in the document's order."""
    old = validate_document(before) if before else {}
    return [
        {
            "field": path,
            "label": field_label(path),
            "mode": mode,
            "before": field_value(old, path),
            "after": field_value(after, path),
        }
        for path, mode in version.fields.items()
        if field_value(old, path) != field_value(after, path)
    ]


def drift(version: PolicyTemplateVersion) -> list[dict[str, Any]]:
    """The template's fields where the tenant's published policy differs from `version`, with
    who published the policy version that brought in the value it has now, and when."""
    history = list(
        PolicyVersion.objects.filter(
            status__in=[PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED],
            published_at__isnull=False,
        )
        .select_related("created_by")
        .order_by("-published_at", "-number")
    )
    if not history:
        return []
    current = validate_document(history[0].document)
    documents = [validate_document(v.document) for v in history]
    publishers = dict(
        AuditEvent.objects.filter(action="policy.published", subject_type="policy").values_list(
            "subject_id", "actor"
        )
    )
    found = []
    for path, mode in version.fields.items():
        value = field_value(current, path)
        template_value = field_value(version.document, path)
        if value == template_value:
            continue
        since = history[0]
        for older, document in zip(history[1:], documents[1:], strict=True):
            if field_value(document, path) != value:
                break
            since = older
        found.append(
            {
                "field": path,
                "label": field_label(path),
                "kind": "local_override" if mode == LOCAL else "locked_changed",
                "tenant_value": value,
                "template_value": template_value,
                "changed_by": publishers.get(since.label)
                or (since.created_by.email if since.created_by else ""),
                "changed_at": since.published_at,
                "policy_version": since.number,
            }
        )
    return found
