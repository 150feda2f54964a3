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
        victim = AuditEvent.objects.filter(actor=org.manager.email).filter(personal__isnull=False).first()
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
