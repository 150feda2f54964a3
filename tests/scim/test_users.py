"""SCIM Users as Okta's and Microsoft Entra's provisioning clients exercise them (RFC 7644):
create, get, filter, paginate, replace, patch, deactivate, delete; refusals in SCIM's words."""

from __future__ import annotations

from typing import Any

import pytest

from apps.audit.models import AuditEvent
from tests.conftest import count_queries
from tests.scim.conftest import (
    SCIM,
    USER_SCHEMA,
    Provider,
    new_user,
    scim_error,
)

pytestmark = pytest.mark.django_db


def _created(idp: Provider, **extra: Any) -> dict[str, Any]:
    made = idp.post("Users", new_user(**extra))
    assert made.status_code == 201, made.content
    return dict(made.json())


def test_create_get_and_find_by_user_name(
    idp: Provider,
    org: Any,
    in_tenant: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        made = idp.post("Users", new_user())
    assert made.status_code == 201, made.content
    assert made["Content-Type"].startswith(SCIM)
    body = made.json()
    assert body["schemas"] == [USER_SCHEMA]
    assert body["userName"] == "dana.lee@tenanta.test" and body["active"] is True
    assert body["name"] == {"givenName": "Dana", "familyName": "Lee", "formatted": "Dana Lee"}
    assert body["externalId"] == "00u-dana" and body["groups"] == []
    assert made["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{body['id']}")
    # invited by e-mail to set a password (unless single sign-on lets them in)
    assert [m.to for m in mailoutbox] == [["dana.lee@tenanta.test"]]

    got = idp.get(f"Users/{body['id']}")
    assert got.status_code == 200 and got.json() == body

    for query in (
        'userName eq "Dana.Lee@tenanta.test"',
        'externalId eq "00u-dana"',
        'emails[type eq "work"].value eq "dana.lee@tenanta.test"',
        'emails.value eq "dana.lee@tenanta.test" and active eq true',
    ):
        found = idp.get(f"Users?filter={query}").json()
        assert found["totalResults"] == 1 and found["Resources"][0]["id"] == body["id"], query
    nobody = idp.get('Users?filter=userName eq "nobody@tenanta.test"').json()
    assert nobody["totalResults"] == 0 and nobody["Resources"] == []
    with in_tenant(org.tenant):
        invited = AuditEvent.objects.get(action="user.invited", subject_id=body["id"])
        assert invited.actor.endswith("@service-accounts.invalid")


def test_duplicate_user_name_is_409_uniqueness(idp: Provider, org: Any) -> None:
    _created(idp)
    scim_error(idp.post("Users", new_user("DANA.LEE@tenanta.test")), 409, "uniqueness")
    # a person the portal made is there too
    scim_error(idp.post("Users", new_user(org.approver.email)), 409, "uniqueness")


def test_bad_bodies_and_filters_are_refused(idp: Provider) -> None:
    scim_error(idp.post("Users", {"schemas": [USER_SCHEMA], "name": {}}), 400, "invalidValue")
    scim_error(idp.post("Users", new_user("not-an-address")), 400, "invalidValue")
    scim_error(idp.post("Users", new_user(active="perhaps")), 400, "invalidValue")
    scim_error(idp.get('Users?filter=userName xx "a"'), 400, "invalidFilter")
    scim_error(idp.get('Users?filter=title eq "CEO"'), 400, "invalidFilter")
    scim_error(idp.get("Users?filter=userName eq"), 400, "invalidFilter")
    scim_error(idp.get("Users?count=many"), 400, "invalidValue")
    scim_error(idp.get('Users?filter=active eq "perhaps"'), 400, "invalidFilter")
    scim_error(idp.get("Users?filter=id gt 3"), 400, "invalidFilter")
    assert idp.get("Users?filter=id pr and active eq true").status_code == 200
    assert idp.get('Users?filter=id eq "abc"').json()["totalResults"] == 0


def test_unknown_ids_are_404(idp: Provider) -> None:
    for path in ("Users/999999", "Users/not-a-number", "Groups/no_such_role"):
        scim_error(idp.get(path), 404)
    scim_error(idp.put("Users/999999", new_user()), 404)
    scim_error(idp.patch("Users/999999", {"op": "replace", "path": "active", "value": False}), 404)
    scim_error(idp.delete("Users/999999"), 404)


def test_pagination_counts_every_person_and_the_queries_stay_flat(
    idp: Provider, org: Any, make_user: Any
) -> None:
    everyone = idp.get("Users").json()
    total = everyone["totalResults"]
    assert total == len(everyone["Resources"]) >= 7  # the organisation's people, not the key's
    assert not any(
        r["userName"].endswith("service-accounts.invalid") for r in everyone["Resources"]
    )
    first = idp.get("Users?startIndex=1&count=3").json()
    second = idp.get("Users?startIndex=4&count=3").json()
    assert (first["totalResults"], first["startIndex"], first["itemsPerPage"]) == (total, 1, 3)
    assert second["startIndex"] == 4 and second["itemsPerPage"] == 3
    ids = [r["id"] for r in first["Resources"] + second["Resources"]]
    assert ids == [r["id"] for r in everyone["Resources"][:6]]
    only_count = idp.get("Users?count=0").json()
    assert only_count["totalResults"] == total and only_count["Resources"] == []
    past = idp.get(f"Users?startIndex={total + 5}").json()
    assert past["totalResults"] == total and past["Resources"] == []

    few = count_queries(lambda: idp.get("Users")), count_queries(lambda: idp.get("Groups"))
    for i in range(6):
        make_user(org.tenant, f"extra{i}", ["approver", "requester"])
    assert idp.get("Users").json()["totalResults"] == total + 6
    approvers = idp.get('Groups?filter=id eq "approver"').json()["Resources"][0]["members"]
    assert len(approvers) >= 7
    many = count_queries(lambda: idp.get("Users")), count_queries(lambda: idp.get("Groups"))
    assert many == few


def test_put_replaces_name_user_name_and_external_id(
    idp: Provider, org: Any, in_tenant: Any
) -> None:
    made = _created(idp)
    replaced = idp.put(
        f"Users/{made['id']}",
        new_user(
            "dana.lee-smith@tenanta.test",
            name={"givenName": "Dana", "familyName": "Lee-Smith"},
            externalId="00u-dana-2",
        ),
    )
    assert replaced.status_code == 200, replaced.content
    body = replaced.json()
    assert body["userName"] == "dana.lee-smith@tenanta.test"
    assert body["name"]["familyName"] == "Lee-Smith" and body["externalId"] == "00u-dana-2"
    with in_tenant(org.tenant):
        changed = AuditEvent.objects.get(action="user.profile_changed", subject_id=made["id"])
        assert changed.before["email"] == "dana.lee@tenanta.test"
        assert changed.after["last_name"] == "Lee-Smith"
    # taking another person's address is refused
    scim_error(idp.put(f"Users/{made['id']}", new_user(org.approver.email)), 409, "uniqueness")


def test_patch_name_with_and_without_a_path(idp: Provider) -> None:
    made = _created(idp)
    path = f"Users/{made['id']}"
    with_path = idp.patch(path, {"op": "replace", "path": "name.familyName", "value": "Ng"})
    assert with_path.status_code == 200, with_path.content
    assert with_path.json()["name"]["familyName"] == "Ng"
    # Entra's form: capitalised op, no path, attributes (dotted or not) in the value
    without = idp.patch(
        path,
        {"op": "Replace", "value": {"name.givenName": "Danielle", "externalId": "x-1"}},
        {"op": "Add", "value": {"title": "Buyer"}},  # not kept: passed over
    )
    assert without.status_code == 200, without.content
    assert (
        without.json()["name"]["givenName"] == "Danielle" and without.json()["externalId"] == "x-1"
    )
    removed = idp.patch(path, {"op": "remove", "path": "externalId"})
    assert "externalId" not in removed.json()
    scim_error(idp.patch(path, {"op": "remove", "path": "userName"}), 400, "mutability")
    scim_error(idp.patch(path, {"op": "remove"}), 400, "noTarget")
    scim_error(idp.patch(path, {"op": "move", "path": "active"}), 400, "invalidSyntax")
    scim_error(idp.client.patch(f"/scim/v2/{path}", "{not json", content_type=SCIM), 400)


def test_patch_active_false_deactivates_and_true_brings_back(
    idp: Provider, org: Any, in_tenant: Any
) -> None:
    made = _created(idp)
    path = f"Users/{made['id']}"
    off = idp.patch(path, {"op": "replace", "path": "active", "value": False})
    assert off.status_code == 200 and off.json()["active"] is False
    # sent again (providers retry): nothing more happens
    assert idp.patch(path, {"op": "replace", "value": {"active": "False"}}).status_code == 200
    with in_tenant(org.tenant):
        assert (
            AuditEvent.objects.filter(action="user.deactivated", subject_id=made["id"]).count() == 1
        )
    on = idp.patch(path, {"op": "replace", "path": "active", "value": True})
    assert on.json()["active"] is True
    with in_tenant(org.tenant):
        assert AuditEvent.objects.filter(action="user.reactivated", subject_id=made["id"]).exists()


def test_delete_deactivates_keeps_the_row_and_answers_404_after(
    idp: Provider, org: Any, in_tenant: Any
) -> None:
    from apps.accounts.models import User

    made = _created(idp)
    gone = idp.delete(f"Users/{made['id']}")
    assert gone.status_code == 204
    scim_error(idp.get(f"Users/{made['id']}"), 404)
    assert idp.get('Users?filter=userName eq "dana.lee@tenanta.test"').json()["totalResults"] == 0
    with in_tenant(org.tenant):
        kept = User.objects.get(pk=made["id"])
        assert kept.is_active is False  # never deleted: the history names them
        assert AuditEvent.objects.filter(
            action="user.deprovisioned", subject_id=made["id"]
        ).exists()
    # created again later: the same person comes back
    again = idp.post("Users", new_user())
    assert again.status_code == 201 and again.json()["id"] == made["id"]
    assert again.json()["active"] is True


def test_the_user_page_of_a_tenant_lists_nobody_of_another(
    idp: Provider, org: Any, tenant_b: Any, make_user: Any
) -> None:
    outsider = make_user(tenant_b, "outsider", ["approver"])
    assert idp.get(f'Users?filter=userName eq "{outsider.email}"').json()["totalResults"] == 0
