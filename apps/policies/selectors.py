from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.controls.refusals import ApplicationError

from .models import PolicyVersion


class NoPublishedPolicy(ApplicationError):
    status = 409
    code = "no_published_policy"


def policy_published() -> PolicyVersion:
    version = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NoPublishedPolicy(_("No approval policy is published for this tenant."))
    return version


def policy_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two policy documents, rule by rule (rules are matched by id)."""
    old_rules = {r["id"]: (i, r) for i, r in enumerate(old.get("rules", []))}
    new_rules = {r["id"]: (i, r) for i, r in enumerate(new.get("rules", []))}
    changed = []
    for rule_id in old_rules.keys() & new_rules.keys():
        (i, before), (j, after) = old_rules[rule_id], new_rules[rule_id]
        fields = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        if fields or i != j:
            changed.append(
                {"id": rule_id, "fields": fields, "moved": i != j, "before": before, "after": after}
            )
    settings_old, settings_new = old.get("settings", {}), new.get("settings", {})
    return {
        "added": [new_rules[k][1] for k in new_rules.keys() - old_rules.keys()],
        "removed": [old_rules[k][1] for k in old_rules.keys() - new_rules.keys()],
        "changed": sorted(changed, key=lambda c: c["id"]),
        "settings": {
            k: {"before": settings_old.get(k), "after": settings_new.get(k)}
            for k in sorted(settings_old.keys() | settings_new.keys())
            if settings_old.get(k) != settings_new.get(k)
        },
        "sod": {"before": old.get("sod", []), "after": new.get("sod", [])}
        if old.get("sod") != new.get("sod")
        else None,
        # the other sections (suppliers, invoices, alerts, assistants, the second factor,
        # retention, access conflicts, sessions), setting by setting
        "sections": {
            path: change
            for key in (
                "suppliers",
                "invoices",
                "alerts",
                "assistants",
                "mfa",
                "retention",
                "access_conflicts",
                "sessions",
            )
            for path, change in _leaf_changes(key, old.get(key), new.get(key)).items()
        },
    }


def _leaf_changes(path: str, before: Any, after: Any) -> dict[str, dict[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        changes: dict[str, dict[str, Any]] = {}
        for key in sorted(before.keys() | after.keys()):
            changes.update(_leaf_changes(f"{path}.{key}", before.get(key), after.get(key)))
        return changes
    return {} if before == after else {path: {"before": before, "after": after}}
