"""Policy templates in the client tenant: a locked field is refused with the template named, a
local field is the tenant's to change, and drift lists exactly the fields that differ."""

from __future__ import annotations

from typing import Any

import pytest

from apps.controls.refusals import ValidationFailed
from apps.partners.policy_templates.selectors import drift_report
from apps.partners.policy_templates.services import template_publish
from apps.policies import services as policies
from apps.policies.models import PolicyVersion
from apps.policies.selectors import policy_published
from apps.tenancy.context import public_context

from .conftest import signed_in, version_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]
LOCKED_SENTENCE = (
    'Settings \u203a budget mode is locked by the template "Standard controls" (v1) of '
    "Test Partners."
)


def _with(document: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {**document, "settings": {**document["settings"], **settings}}


@pytest.fixture
def piloted(template: Any, partner: Any, tenant_a: Any) -> Any:
    with public_context():
        template_publish(
            actor=partner, version=version_of(template), stage="pilot", tenants=["tenanta"]
        )
    return template


def test_publishing_sets_the_template_values_and_names_the_partner_in_the_trail(
    piloted: Any, in_tenant: Any, tenant_a: Any
) -> None:
    from apps.audit.models import AuditEvent

    with in_tenant(tenant_a):
        settings = policy_published().document["settings"]
        published = AuditEvent.objects.filter(action="policy.published").order_by("-id").first()
    assert (settings["budget_mode"], settings["default_sla_hours"]) == ("warn", 24)
    assert published is not None and published.actor == "partner:partner@partner.test"


def test_a_locked_field_is_refused_with_the_template_named(
    piloted: Any, make_user: Any, in_tenant: Any, tenant_a: Any, api_for: Any
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a):
        current = policy_published().document
        with pytest.raises(ValidationFailed) as refused:
            policies.policy_draft_create(actor=admin, document=_with(current, budget_mode="block"))
        drafts = PolicyVersion.objects.filter(status="draft").count()
    assert refused.value.errors == {"settings.budget_mode": [LOCKED_SENTENCE]}
    assert refused.value.detail == LOCKED_SENTENCE and drafts == 0
    # the API refuses it the same way (422 with the field's sentence)
    response = api_for(tenant_a, admin).post(
        "/api/v1/policies/", {"document": _with(current, budget_mode="block")}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"settings.budget_mode": [LOCKED_SENTENCE]}


def test_a_draft_made_before_cannot_be_published_over_a_lock(
    piloted: Any, make_user: Any, in_tenant: Any, tenant_a: Any
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a):
        stale = PolicyVersion.objects.get(status="retired", number=1)
        stale_draft = PolicyVersion.objects.create(number=99, document=stale.document)
        with pytest.raises(ValidationFailed) as refused:
            policies.policy_publish(actor=admin, version=stale_draft)
    assert list(refused.value.errors or {}) == ["settings.budget_mode"]


def test_a_local_field_is_the_tenants_to_change(
    piloted: Any, make_user: Any, in_tenant: Any, tenant_a: Any
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a):
        current = policy_published().document
        draft = policies.policy_draft_create(
            actor=admin, document=_with(current, default_sla_hours=8)
        )
        policies.policy_publish(actor=admin, version=draft)
        assert policy_published().document["settings"]["default_sla_hours"] == 8
    # the policy page says who manages it and what the tenant may change
    page = signed_in("a.localhost", admin.email).get("/settings/policies/").content.decode()
    assert "Managed by Test Partners — template “Standard controls” v1" in page
    assert "Settings \u203a default SLA hours" in page.split('data-testid="managed-local"')[1][:300]
    assert "Settings \u203a budget mode" in page.split('data-testid="managed-locked"')[1][:300]


def test_a_later_version_keeps_the_tenants_local_value(
    piloted: Any, partner: Any, make_user: Any, in_tenant: Any, tenant_a: Any
) -> None:
    from apps.partners.policy_templates.services import template_version_create

    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a):
        draft = policies.policy_draft_create(
            actor=admin, document=_with(policy_published().document, default_sla_hours=8)
        )
        policies.policy_publish(actor=admin, version=draft)
    with public_context():
        v2 = template_version_create(
            actor=partner,
            template=piloted,
            document={"settings": {"budget_mode": "finance_step", "default_sla_hours": 48}},
            fields={"settings.budget_mode": "locked", "settings.default_sla_hours": "local"},
        )
        template_publish(actor=partner, version=v2, stage="pilot", tenants=["tenanta"])
    with in_tenant(tenant_a):
        settings = policy_published().document["settings"]
    assert (settings["budget_mode"], settings["default_sla_hours"]) == ("finance_step", 8)


def test_drift_lists_exactly_the_fields_that_differ(
    piloted: Any, partner: Any, make_user: Any, in_tenant: Any, tenant_a: Any, tenant_b: Any
) -> None:
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a):
        current = policy_published().document
        draft = policies.policy_draft_create(
            actor=admin, document=_with(current, default_sla_hours=8, reminder_share=0.7)
        )
        published = policies.policy_publish(actor=admin, version=draft)
    with public_context():
        report = {
            row["tenant"]: row
            for row in drift_report(partner.partner_membership.partner, [tenant_a, tenant_b])
        }
    # reminder_share is not the template's: no drift; tenant_b follows no template
    assert report["tenantb"]["template"] is None and report["tenantb"]["fields"] == []
    row = report["tenanta"]
    assert row["template"]["name"] == "Standard controls" and row["template"]["version"] == 1
    assert [
        (f["field"], f["kind"], f["tenant_value"], f["template_value"], f["changed_by"])
        for f in row["fields"]
    ] == [("settings.default_sla_hours", "local_override", 8, 24, admin.email)]
    assert row["fields"][0]["changed_at"] == published.published_at
    assert row["fields"][0]["policy_version"] == published.number


def test_drift_shows_a_locked_field_changed_outside_the_template(
    piloted: Any, partner: Any, in_tenant: Any, tenant_a: Any
) -> None:
    """A policy restored from an older backup can carry an older value of a locked field."""
    with in_tenant(tenant_a):
        published = policy_published()
        document = _with(published.document, budget_mode="block")
        PolicyVersion.objects.filter(pk=published.pk).update(document=document)
    with public_context():
        (row,) = drift_report(partner.partner_membership.partner, [tenant_a])
    assert [(f["field"], f["kind"], f["tenant_value"]) for f in row["fields"]] == [
        ("settings.budget_mode", "locked_changed", "block")
    ]
    # the value it has now came with the tenant's first policy, before the template
    assert row["fields"][0]["policy_version"] == 1


def test_only_the_partners_side_binds_a_tenant_to_a_template(
    make_user: Any, in_tenant: Any, tenant_a: Any
) -> None:
    from apps.controls.refusals import PermissionRefused

    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a), pytest.raises(PermissionRefused):
        policies.policy_management_set(
            actor=admin,
            partner_name="Me",
            template_name="Mine",
            template_ref=1,
            template_version=1,
            locked={},
            local=[],
        )


def test_a_template_locks_retention_and_who_must_use_a_second_factor(
    partner: Any, make_user: Any, in_tenant: Any, tenant_a: Any
) -> None:
    """Retention rules and the second-factor roles are template fields like the others."""
    from apps.partners.policy_templates.services import template_create

    with public_context():
        template = template_create(
            actor=partner,
            name="Retention and access",
            document={
                "retention": {"invoices": {"DE": 12}, "mail_quarantine_days": 60},
                "mfa": {"required_roles": ["tenant_admin", "ap_manager"]},
            },
            fields={
                "retention.invoices": "locked",
                "retention.mail_quarantine_days": "local",
                "mfa.required_roles": "locked",
            },
        )
        template_publish(
            actor=partner, version=version_of(template), stage="pilot", tenants=["tenanta"]
        )
    admin = make_user(tenant_a, "admin", ["tenant_admin"])
    with in_tenant(tenant_a):
        current = policy_published().document
        assert current["retention"]["invoices"] == {"DE": 12}
        assert current["mfa"]["required_roles"] == ["tenant_admin", "ap_manager"]
        for change in (
            {"retention": {**current["retention"], "invoices": {"DE": 15}}},
            {"mfa": {"required_roles": []}},
        ):
            with pytest.raises(ValidationFailed) as refused:
                policies.policy_draft_create(actor=admin, document={**current, **change})
            assert "Retention and access" in refused.value.detail
        # the local one is the tenant's to change
        local = {**current["retention"], "mail_quarantine_days": 45}
        draft = policies.policy_draft_create(actor=admin, document={**current, "retention": local})
        assert draft.document["retention"]["mail_quarantine_days"] == 45
