"""Erasure of a former person: pseudonymised everywhere while the audit chain and the evidence
packs made before and after still verify; a tampered personal value is still caught."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from apps.accounts.models import User
from apps.assurance.packs import verify_pack_file
from apps.audit.models import AuditEvent, SubjectKey
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_chain_link
from apps.privacy.models import ErasureRequest
from apps.procurement.models import Requisition
from apps.workflow.models import ApprovalTask
from tests.assurance.test_packs import built, pack_bytes, pdf_text
from tests.org import Org, requisition_body

pytestmark = pytest.mark.django_db

NAME = "Rita Former"


def former_requester(org: Org, api_for: Any, in_tenant: Any) -> tuple[User, dict[str, Any]]:
    """The requester (named Rita Former) submits a requisition whose justification names her;
    the manager approves with a comment that names her; then she leaves (deactivated)."""
    with in_tenant(org.tenant):
        org.requester.first_name, org.requester.last_name = "Rita", "Former"
        org.requester.save(update_fields=["first_name", "last_name"])
    api = api_for(org.tenant, org.requester)
    body = requisition_body(
        total="30000.00", justification=f"Asked by {NAME} ({org.requester.email}) for the team"
    )
    draft = api.post("/api/v1/requisitions/", body, format="json").json()
    assert api.post(f"/api/v1/requisitions/{draft['id']}/submit/").status_code == 200
    manager = api_for(org.tenant, org.manager)
    task = manager.get("/api/v1/tasks/?status=open").json()["results"][0]
    answer = manager.post(
        f"/api/v1/tasks/{task['id']}/approve/",
        {"comment": f"Fine for {NAME}, thanks"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    with in_tenant(org.tenant):
        User.objects.filter(pk=org.requester.pk).update(is_active=False)
        org.requester.refresh_from_db()
        audit_chain_link()  # as after the requests' commits (the test's transaction never commits)
    return org.requester, draft


def trail_text(in_tenant: Any, tenant: Any) -> str:
    with in_tenant(tenant):
        rows = AuditEvent.objects.values("actor", "on_behalf_of", "before", "after", "data")
        return json.dumps(list(rows))


def test_erasing_a_former_requester_keeps_the_chain_and_the_packs_verifying(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    compliance = make_user(org.tenant, "compliance", ["compliance"])
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    person, draft = former_requester(org, api_for, in_tenant)
    email = person.email
    assert email in trail_text(in_tenant, org.tenant)  # readable until erased
    before_pack = built(org, in_tenant, auditor, draft["id"])
    before_bytes = pack_bytes(org, in_tenant, before_pack)
    assert email in pdf_text(before_bytes)

    api = api_for(org.tenant, compliance)
    made = api.post("/api/v1/privacy/erasure-requests/", {"subject_user": person.pk}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "pending" and made.json()["subject_user"] == str(person.pk)
    done = api.post(f"/api/v1/privacy/erasure-requests/{made.json()['id']}/execute/")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "completed" and body["completed_at"]
    pseudonym = body["pseudonym"]
    assert pseudonym.startswith("erased-person-") and body["outcome"]["events"] >= 3

    with in_tenant(org.tenant):
        person.refresh_from_db()
        n = pseudonym.removeprefix("erased-person-")
        assert person.email == f"erased-{n}@erased.invalid" and person.username == person.email
        assert (person.first_name, person.last_name) == (pseudonym, "")
        assert not person.is_active and not person.has_usable_password()
        requisition = Requisition.objects.get(pk=draft["id"])
        assert NAME not in requisition.justification and email not in requisition.justification
        assert pseudonym in requisition.justification
        comments = list(ApprovalTask.objects.exclude(comment="").values_list("comment", flat=True))
        assert comments and all(NAME not in c for c in comments)
        assert any(pseudonym in c for c in comments)
        key = SubjectKey.objects.get(ref=f"user:{person.pk}")
        assert key.key is None and key.erased_at is not None and key.pseudonym == pseudonym
        erasure = AuditEvent.objects.get(action="privacy.erasure_executed")
        assert erasure.data["subject"] == f"erasure-request-{body['id']}"
        assert audit_chain_verify().valid
    trail = trail_text(in_tenant, org.tenant)
    assert email not in trail and NAME not in trail and pseudonym in trail

    verified = api_for(org.tenant, auditor).get("/api/v1/audit-events/verify/").json()
    assert verified["valid"] is True and verified["first_bad"] is None
    after_pack = built(org, in_tenant, auditor, draft["id"])
    after_text = pdf_text(pack_bytes(org, in_tenant, after_pack))
    assert after_pack.chain_valid is True and email not in after_text
    with in_tenant(org.tenant):
        for data in (before_bytes, pack_bytes(org, in_tenant, after_pack)):
            found = verify_pack_file(data)
            assert found.ok and found.chain_valid, found.message


def test_a_tampered_personal_value_of_a_person_not_erased_breaks_the_chain(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    compliance = make_user(org.tenant, "compliance", ["compliance"])
    person, _draft = former_requester(org, api_for, in_tenant)
    api_for(org.tenant, compliance).post(
        "/api/v1/privacy/erasure-requests/",
        {"subject_user": person.pk, "execute": True},
        format="json",
    )
    with in_tenant(org.tenant):
        assert audit_chain_verify().valid
        victim = (
            AuditEvent.objects.filter(actor=org.manager.email)
            .filter(personal__isnull=False)
            .first()
        )
        assert victim is not None
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute(
                "UPDATE audit_auditevent SET actor = 'someone-else@a.test' WHERE id = %s",
                [victim.pk],
            )
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        assert audit_chain_verify().first_bad == victim.pk


def test_a_tampered_comment_that_names_a_live_person_breaks_the_chain(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    former_requester(org, api_for, in_tenant)
    with in_tenant(org.tenant):
        victim = AuditEvent.objects.filter(data__comment__icontains=NAME).first()
        assert victim is not None
        assert any(seal["p"] == ["data", "comment"] for seal in victim.personal)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute(
                "UPDATE audit_auditevent SET data = jsonb_set(data, '{comment}', '\"Not fine\"') "
                "WHERE id = %s",
                [victim.pk],
            )
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        assert audit_chain_verify().first_bad == victim.pk


def test_destroying_a_key_without_an_erasure_does_not_hide_a_forged_value(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    """A key row removed (not erased: the seal names nobody known) breaks the chain."""
    former_requester(org, api_for, in_tenant)
    with in_tenant(org.tenant):
        SubjectKey.objects.filter(ref=f"user:{org.manager.pk}").delete()
        first = AuditEvent.objects.filter(personal__contains=[{"s": [f"user:{org.manager.pk}"]}])
        assert audit_chain_verify().first_bad == first.order_by("id").first().pk


def test_the_trigger_lets_only_the_erasure_update_pass(
    org: Org, api_for: Any, in_tenant: Any
) -> None:
    former_requester(org, api_for, in_tenant)
    with in_tenant(org.tenant):
        sealed = AuditEvent.objects.filter(personal__isnull=False).first()
        plain = AuditEvent.objects.filter(personal__isnull=True).first()
        assert sealed is not None and plain is not None
        attempts = [
            (sealed.pk, {"actor": "x@a.test"}, False),  # no erasure setting
            (sealed.pk, {"actor": "x@a.test", "hash": "0" * 64}, True),  # the hash moved
            (sealed.pk, {"action": "forged"}, True),  # not a personal column
            (plain.pk, {"actor": "x@a.test"}, True),  # a row that seals nothing
        ]
        for pk, change, erasing in attempts:
            with pytest.raises(DatabaseError), transaction.atomic():
                if erasing:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config('spendgate.audit_erasure', 'on', true)")
                AuditEvent.objects.filter(pk=pk).update(**change)
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('spendgate.audit_erasure', 'on', true)")
            AuditEvent.objects.filter(pk=sealed.pk).delete()
        assert audit_chain_verify().valid


def test_erasure_refusals(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any, tenant_b: Any
) -> None:
    from apps.privacy.registry import _CHECKS, register_erasure_check

    compliance = make_user(org.tenant, "compliance", ["compliance"])
    api = api_for(org.tenant, compliance)
    url = "/api/v1/privacy/erasure-requests/"
    # not compliance: refused, by the API and by the service alike
    for person in (org.admin, org.requester):
        refused = api_for(org.tenant, person).post(url, {"subject_user": org.approver.pk})
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert api_for(org.tenant, org.requester).get(url).status_code == 403
    # an auditor (as an admin, who reads the trail) reads the requests and erases nobody
    reader = api_for(org.tenant, make_user(org.tenant, "auditor", ["auditor"]))
    assert reader.get(url).status_code == 200
    assert reader.post(url, {"subject_user": org.approver.pk}).status_code == 403
    # a person who still works here: deactivate first
    active = api.post(url, {"subject_user": org.approver.pk}, format="json")
    assert active.status_code == 409 and active.json()["code"] == "subject_active"
    # bad input: neither or both subjects, nobody by that id
    assert api.post(url, {}, format="json").status_code == 400
    both = api.post(url, {"subject_user": org.approver.pk, "contact": 1}, format="json")
    assert both.status_code == 400
    nobody = api.post(url, {"subject_user": 999999}, format="json")
    assert nobody.status_code == 422 and nobody.json()["code"] == "validation_error"
    # a legal hold (retention registers such a check) refuses a former person
    with in_tenant(org.tenant):
        User.objects.filter(pk=org.approver.pk).update(is_active=False)

    def held(kind: str, subject_id: Any) -> str | None:
        return "Under a legal hold." if str(subject_id) == str(org.approver.pk) else None

    register_erasure_check(held)
    try:
        hold = api.post(url, {"subject_user": org.approver.pk}, format="json")
        assert hold.status_code == 409 and hold.json()["code"] == "erasure_refused"
        assert hold.json()["detail"] == "Under a legal hold."
    finally:
        _CHECKS.remove(held)
    done = api.post(url, {"subject_user": org.approver.pk, "execute": True}, format="json")
    assert done.status_code == 201 and done.json()["status"] == "completed", done.content
    again = api.post(f"{url}{done.json()['id']}/execute/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    # another tenant's compliance sees none of it and cannot reach it
    other = make_user(tenant_b, "compliance", ["compliance"])
    other_api = api_for(tenant_b, other)
    assert other_api.get(url).json()["count"] == 0
    assert other_api.post(f"{url}{done.json()['id']}/execute/").status_code == 404


def test_erasure_in_one_tenant_touches_nothing_in_another(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any, tenant_b: Any
) -> None:
    namesake = make_user(
        tenant_b, "requester", ["requester"], first_name="Rita", last_name="Former"
    )
    with in_tenant(tenant_b):
        User.objects.filter(pk=namesake.pk).update(is_active=False)
        before = list(AuditEvent.objects.values_list("id", "actor", "after", "hash"))
        keys = list(SubjectKey.objects.values_list("ref", "key"))
        assert any(key for _ref, key in keys)
    compliance = make_user(org.tenant, "compliance", ["compliance"])
    person, _draft = former_requester(org, api_for, in_tenant)
    done = api_for(org.tenant, compliance).post(
        "/api/v1/privacy/erasure-requests/",
        {"subject_user": person.pk, "execute": True},
        format="json",
    )
    assert done.status_code == 201 and done.json()["status"] == "completed"
    with in_tenant(tenant_b):
        namesake.refresh_from_db()
        assert (namesake.first_name, namesake.email) == ("Rita", "requester@tenantb.test")
        assert list(AuditEvent.objects.values_list("id", "actor", "after", "hash")) == before
        assert list(SubjectKey.objects.values_list("ref", "key")) == keys
        assert audit_chain_verify().valid


def test_events_written_before_sealing_still_verify(org: Org, in_tenant: Any) -> None:
    """A version 1 row (personal values in plain text, no seals) hashes as it always did."""
    from django.utils import timezone

    from apps.audit.chain import GENESIS_HASH, canonical_json, chain_hash

    with in_tenant(org.tenant), transaction.atomic():
        audit_chain_link()  # the set-up's events, as after their commits
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        fields = {
            "at": timezone.now(),
            "actor_id": str(org.requester.pk),
            "actor": org.requester.email,
            "on_behalf_of": "",
            "action": "requisition.created",
            "subject_type": "requisition",
            "subject_id": "old-1",
            "request_id": "",
            "policy_version": None,
            "before": None,
            "after": {"justification": f"For {org.requester.email}"},
            "data": {},
        }
        prev = last or GENESIS_HASH
        old = AuditEvent.objects.create(
            prev_hash=prev, hash=chain_hash(prev, canonical_json(**fields)), **fields
        )
        assert old.personal is None
        assert audit_chain_verify().valid
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute("UPDATE audit_auditevent SET actor = 'x@a.test' WHERE id = %s", [old.pk])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        assert audit_chain_verify().first_bad == old.pk


def test_a_supplier_contact_is_erased(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.suppliers.models import Supplier, SupplierContact
    from tests.org import supplier_for

    compliance = make_user(org.tenant, "compliance", ["compliance"])
    supplier_id = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contact = SupplierContact.objects.create(
            supplier=Supplier.objects.get(pk=supplier_id),
            name="Sam Contact",
            email="sam@office-supply.test",
            phone="+1 555 0100",
        )
    api = api_for(org.tenant, compliance)
    # while its supplier is under a legal hold the contact is evidence it keeps
    hold = api.post(
        "/api/v1/legal-holds/",
        {"scope": "supplier", "supplier": str(supplier_id), "reason": "Tax audit 2026"},
        format="json",
    )
    assert hold.status_code == 201, hold.content
    held = api.post(
        "/api/v1/privacy/erasure-requests/", {"contact": contact.pk, "execute": True}, format="json"
    )
    assert held.status_code == 409 and held.json()["code"] == "erasure_refused", held.content
    assert "legal hold" in held.json()["detail"]
    released = api.post(
        f"/api/v1/legal-holds/{hold.json()['id']}/release/", {"reason": "Closed"}, format="json"
    )
    assert released.status_code == 200, released.content
    done = api.post(
        "/api/v1/privacy/erasure-requests/",
        {"contact": contact.pk, "execute": True},
        format="json",
    )
    assert done.status_code == 201, done.content
    assert done.json()["contact"] == str(contact.pk) and done.json()["subject_user"] is None
    with in_tenant(org.tenant):
        contact.refresh_from_db()
        pseudonym = done.json()["pseudonym"]
        assert (contact.name, contact.phone) == (pseudonym, "")
        assert contact.email.endswith("@erased.invalid")
        assert SubjectKey.objects.get(ref=f"contact:{contact.pk}").key is None
        assert audit_chain_verify().valid


def test_the_list_query_count_does_not_grow(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    from tests.conftest import count_queries

    compliance = make_user(org.tenant, "compliance", ["compliance"])
    api = api_for(org.tenant, compliance)
    url = "/api/v1/privacy/erasure-requests/"
    with in_tenant(org.tenant):
        ErasureRequest.objects.create(kind="user", subject_id="1")
    few = count_queries(lambda: api.get(url))
    with in_tenant(org.tenant):
        ErasureRequest.objects.bulk_create(
            ErasureRequest(kind="user", subject_id=str(i)) for i in range(2, 12)
        )
    assert count_queries(lambda: api.get(url)) == few
    assert api.get(url).json()["count"] == 11


def test_the_demos_former_requester_is_erased_with_the_chain_verifying(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    """`make demo`'s walk-through (docs/privacy.md), on the test tenant."""
    from apps.accounts.services import user_ensure
    from apps.demo.privacy import seed_former_requester
    from tests.conftest import PASSWORD

    compliance = make_user(org.tenant, "compliance", ["compliance"])
    with in_tenant(org.tenant):
        user_ensure(email="manager@tenanta.example", password=PASSWORD, roles=["manager"])
        # the admin who deactivates them when they leave
        user_ensure(email="admin@tenanta.example", password=PASSWORD, roles=["tenant_admin"])
        seed_former_requester(slug="tenanta", password=PASSWORD)
        seed_former_requester(slug="tenanta", password=PASSWORD)  # idempotent
        former = User.objects.get(email="former.requester@tenanta.example")
        assert not former.is_active
        assert Requisition.objects.filter(justification__contains="Dana Leaver").count() == 1
    api = api_for(org.tenant, compliance)
    done = api.post(
        "/api/v1/privacy/erasure-requests/",
        {"subject_user": former.pk, "execute": True},
        format="json",
    )
    assert done.status_code == 201 and done.json()["status"] == "completed", done.content
    assert "Dana Leaver" not in trail_text(in_tenant, org.tenant)
    with in_tenant(org.tenant):
        assert not Requisition.objects.filter(justification__contains="Dana Leaver").exists()
        assert audit_chain_verify().valid
