"""SCIM Groups are the tenant's roles: membership granted and taken through the accounts
services, each change audited with the identity provider's service account as the actor."""

from __future__ import annotations

from typing import Any

import pytest

from apps.audit.models import AuditEvent
from tests.scim.conftest import Provider, new_user, scim_error

pytestmark = pytest.mark.django_db


def _roles_of(tenant: Any, in_tenant: Any, user_id: str) -> list[str]:
    from apps.accounts.models import User

    with in_tenant(tenant):
        return sorted(User.objects.get(pk=user_id).groups.values_list("name", flat=True))


def test_groups_list_the_roles_with_their_members(idp: Provider, org: Any) -> None:
    listed = idp.get("Groups").json()
    ids = {g["id"] for g in listed["Resources"]}
    assert {"approver", "tenant_admin", "ap_manager"} <= ids and "supplier" not in ids
    approvers = next(g for g in listed["Resources"] if g["id"] == "approver")
    assert approvers["displayName"] == "Approver"
    assert str(org.approver.pk) in {m["value"] for m in approvers["members"]}
    found = idp.get('Groups?filter=displayName eq "Approver"&excludedAttributes=members').json()
    assert [g["id"] for g in found["Resources"]] == ["approver"]
    assert "members" not in found["Resources"][0]
    member = idp.get(f'Groups?filter=id eq "approver" and members[value eq "{org.approver.pk}"]')
    assert member.json()["totalResults"] == 1
    scim_error(idp.get('Groups?filter=owner eq "x"'), 400, "invalidFilter")


def test_membership_add_and_remove_grant_and_take_the_role(
    idp: Provider, org: Any, in_tenant: Any
) -> None:
    made = idp.post("Users", new_user()).json()
    added = idp.patch(
        "Groups/approver", {"op": "add", "path": "members", "value": [{"value": made["id"]}]}
    )
    assert added.status_code == 204, added.content
    assert _roles_of(org.tenant, in_tenant, made["id"]) == ["approver"]
    assert idp.get(f"Users/{made['id']}").json()["groups"][0]["value"] == "approver"
    # Okta's form of removal
    removed = idp.patch(
        "Groups/approver", {"op": "remove", "path": f'members[value eq "{made["id"]}"]'}
    )
    assert removed.status_code == 204
    assert _roles_of(org.tenant, in_tenant, made["id"]) == []
    # Entra's form: remove with a value
    idp.patch("Groups/buyer", {"op": "add", "path": "members", "value": [{"value": made["id"]}]})
    idp.patch("Groups/buyer", {"op": "Remove", "path": "members", "value": [{"value": made["id"]}]})
    assert _roles_of(org.tenant, in_tenant, made["id"]) == []
    with in_tenant(org.tenant):
        changes = AuditEvent.objects.filter(action="user.roles_changed", subject_id=made["id"])
        assert changes.count() == 4
        assert all(e.actor.endswith("@service-accounts.invalid") for e in changes)
    # a rename is passed over: a role keeps its name
    assert (
        idp.patch("Groups/buyer", {"op": "replace", "value": {"displayName": "Buyers"}}).status_code
        == 204
    )


def test_create_a_group_names_a_role(
    idp: Provider, org: Any, in_tenant: Any, settings: Any
) -> None:
    made = idp.post("Users", new_user()).json()
    group = idp.post("Groups", {"displayName": "Receiver", "members": [{"value": made["id"]}]})
    assert group.status_code == 201, group.content
    assert group.json()["id"] == "receiver"
    assert made["id"] in {m["value"] for m in group.json()["members"]}
    assert _roles_of(org.tenant, in_tenant, made["id"]) == ["receiver"]
    settings.SCIM_GROUP_ROLES = {"Finance approvers": "ap_manager"}
    assert idp.post("Groups", {"displayName": "finance approvers"}).json()["id"] == "ap_manager"
    scim_error(idp.post("Groups", {"displayName": "Astronauts"}), 400, "invalidValue")
    scim_error(idp.post("Groups", {"displayName": "Supplier"}), 400, "invalidValue")
    scim_error(idp.delete("Groups/receiver"), 400, "mutability")


def test_unknown_members_are_refused_and_nothing_changes(
    idp: Provider, org: Any, in_tenant: Any
) -> None:
    before = _roles_of(org.tenant, in_tenant, str(org.approver.pk))
    refused = idp.patch(
        "Groups/tenant_admin",
        {
            "op": "add",
            "path": "members",
            "value": [{"value": str(org.approver.pk)}, {"value": "999999"}],
        },
    )
    scim_error(refused, 400, "invalidValue")
    assert _roles_of(org.tenant, in_tenant, str(org.approver.pk)) == before
    scim_error(
        idp.patch("Groups/approver", {"op": "add", "path": "owners", "value": []}),
        400,
        "invalidPath",
    )
