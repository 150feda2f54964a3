"""Evidence packs: what a requisition's pack says (read back with pypdf), tamper detection in
the pack and the nightly check, who may download, and verifying a downloaded copy."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from pypdf import PdfReader

from apps.accounts.models import User
from apps.accounts.roles import TENANT_ADMIN
from apps.assurance.chain_checks import audit_chain_check
from apps.assurance.models import ChainCheck, EvidencePack
from apps.assurance.packs import evidence_pack_build, evidence_pack_request
from apps.audit.models import AuditEvent
from apps.workflow.models import Notification
from tests.org import Org, requisition_body, supplier_for
from tests.portal.test_words import UUID

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def decided_requisition(org: Org, api_for: Any, in_tenant: Any) -> dict[str, Any]:
    """A 30,000 requisition naming no supplier: the manager approves with a comment, finance
    approves, a buyer chooses the supplier and the order is issued."""
    api = api_for(org.tenant, org.requester)
    body = requisition_body(total="30000.00", title="Servers for the Leipzig data room")
    draft = api.post("/api/v1/requisitions/", body, format="json").json()
    api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    for person, comment in ((org.manager, "Within the plan"), (org.finance, "Budget confirmed")):
        decider = api_for(org.tenant, person)
        task = decider.get("/api/v1/tasks/?status=open").json()["results"][0]
        decider.post(f"/api/v1/tasks/{task['id']}/approve/", {"comment": comment}, format="json")
    assert api.get(f"/api/v1/requisitions/{draft['id']}/").json()["status"] == "approved"
    sourced = api_for(org.tenant, org.buyer).post(
        f"/api/v1/requisitions/{draft['id']}/source/",
        {"supplier": supplier_for(org, in_tenant)},
        format="json",
    )
    assert sourced.status_code == 200 and sourced.json()["status"] == "ordered", sourced.content
    return draft


def built(org: Org, in_tenant: Any, auditor: Any, subject_id: str) -> EvidencePack:
    with in_tenant(org.tenant):
        pack = evidence_pack_request(
            actor=auditor, subject_type="requisition", subject_id=subject_id
        )
        return evidence_pack_build(pack.pk)  # what the worker runs on the reports queue


def pack_bytes(org: Org, in_tenant: Any, pack: EvidencePack) -> bytes:
    from django.core.files.storage import default_storage

    with in_tenant(org.tenant), default_storage.open(pack.file, "rb") as handle:
        return handle.read()


def test_requisition_pack_tells_the_whole_story(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    draft = decided_requisition(org, api_for, in_tenant)
    pack = built(org, in_tenant, auditor, draft["id"])
    assert pack.status == "ready" and pack.chain_valid is True and pack.pages >= 4
    data = pack_bytes(org, in_tenant, pack)
    text = pdf_text(data)
    assert "Servers for the Leipzig data room" in text
    assert org.tenant.portal_name in text
    for who, comment in ((org.manager, "Within the plan"), (org.finance, "Budget confirmed")):
        assert who.email in text and flat(comment) in flat(text)
    assert "manager-then-finance" in text  # the rule that matched
    assert "Title\nServers for the Leipzig data room" not in text[:400]  # facts after the cover
    with in_tenant(org.tenant):
        events = AuditEvent.objects.filter(subject_id=draft["id"])
        hashes = list(events.values_list("hash", flat=True))
        generated = AuditEvent.objects.get(action="evidence_pack.generated")
    assert len(hashes) >= 4
    for digest in hashes:
        assert digest in flat(text)
    assert "PO-US01-" in text  # the purchase order it became
    # what a person reads (cover, story, timeline) names records by their numbers, never by
    # an id; the events with their hashes after it are the trail as recorded
    read = text.rpartition("Audit events with hashes")[0]
    assert f"Evidence pack: requisition {draft['number']}" in read
    assert str(pack.pk) not in text
    assert not UUID.findall(read), UUID.findall(read)
    assert f"Requisition {draft['number']}" in read  # the timeline's subject
    # who chose the supplier, and which
    assert org.buyer.email in text and "Northwind Office Supply" in text
    # the pack's own SHA-256 is in the audit trail
    import hashlib

    assert generated.data["sha256"] == hashlib.sha256(data).hexdigest() == pack.sha256


def tampered(org: Org, in_tenant: Any, subject_id: str) -> AuditEvent:
    """The second event of a record, its actor rewritten behind the trail's back (the
    append-only trigger switched off for the moment): the chain breaks there."""
    with in_tenant(org.tenant):
        victim = AuditEvent.objects.filter(subject_id=subject_id).order_by("id")[1]
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute(
                "UPDATE audit_auditevent SET actor = 'someone-else@acme.test' WHERE id = %s",
                [victim.pk],
            )
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    return victim


def test_tampering_is_reported_by_a_new_pack_and_the_nightly_check(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    draft = decided_requisition(org, api_for, in_tenant)
    victim = tampered(org, in_tenant, draft["id"])
    pack = built(org, in_tenant, auditor, draft["id"])
    assert pack.chain_valid is False and pack.chain_first_bad == victim.pk
    assert f"BROKEN at event {victim.pk}" in pdf_text(pack_bytes(org, in_tenant, pack))

    mail.outbox.clear()
    with in_tenant(org.tenant):
        check = audit_chain_check(trigger="nightly")
        assert (check.valid, check.first_bad) == (False, victim.pk)
        assert ChainCheck.objects.filter(trigger="nightly", valid=False).exists()
        told = set(
            Notification.objects.filter(kind="audit.chain_broken").values_list(
                "user__email", flat=True
            )
        )
        # every active tenant admin and no one else (the browser tests commit an admin of
        # their own into this tenant when the test database is kept between runs)
        admins = set(
            User.objects.filter(groups__name=TENANT_ADMIN, is_active=True).values_list(
                "email", flat=True
            )
        )
        assert org.admin.email in told and told == admins
        assert not told & {auditor.email}
    (message,) = mail.outbox
    assert org.admin.email in message.to and str(victim.pk) in message.body
    assert "partner@partner.test" in message.to  # the partner who runs the tenant


def test_only_auditors_and_admins_download_and_only_their_tenants(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any, tenant_b: Any
) -> None:
    from tests.invoices.test_exceptions import portal_user_of

    auditor = make_user(org.tenant, "auditor", ["auditor"])
    draft = decided_requisition(org, api_for, in_tenant)
    pack = built(org, in_tenant, auditor, draft["id"])
    url = f"/api/v1/evidence-packs/{pack.pk}/download/"
    for person in (auditor, org.admin):
        response = api_for(org.tenant, person).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-SHA256"] == pack.sha256
    with in_tenant(org.tenant):
        from types import SimpleNamespace

        from apps.suppliers.models import Supplier

        supplier = Supplier.objects.create(name="Contoso GmbH", country="DE", status="approved")
        supplier_user = portal_user_of(SimpleNamespace(tenant=org.tenant, supplier=supplier))
    for person in (org.requester, supplier_user):
        api = api_for(org.tenant, person)
        assert api.get(url).status_code == 403
        assert api.get(f"/api/v1/evidence-packs/{pack.pk}/").status_code == 403
        assert api.get("/api/v1/evidence-packs/").status_code == 403
        web = api_for(org.tenant)
        with in_tenant(org.tenant):
            web.force_login(person)
        assert web.get(f"/audit/packs/{pack.pk}/download/").status_code == 403
    other_auditor = make_user(tenant_b, "auditor", ["auditor"])
    other = api_for(tenant_b, other_auditor)
    assert other.get(url).status_code == 404
    assert other.get(f"/api/v1/evidence-packs/{pack.pk}/").status_code == 404
    assert other.get("/api/v1/evidence-packs/").json()["count"] == 0


def test_a_downloaded_pack_verifies_and_an_altered_one_does_not(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any, tmp_path: Path
) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    draft = decided_requisition(org, api_for, in_tenant)
    pack = built(org, in_tenant, auditor, draft["id"])
    downloaded = api_for(org.tenant, auditor).get(f"/api/v1/evidence-packs/{pack.pk}/download/")
    original = tmp_path / "pack.pdf"
    original.write_bytes(b"".join(downloaded.streaming_content))
    out = io.StringIO()
    call_command("verify_evidence_pack", str(original), tenant=org.tenant.slug, stdout=out)
    assert "VERIFIED" in out.getvalue() and pack.sha256 in out.getvalue()
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(original.read_bytes() + b"\n% edited")
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        call_command("verify_evidence_pack", str(altered), tenant=org.tenant.slug)


def test_pack_requests_are_validated(org: Org, api_for: Any, make_user: Any) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    api = api_for(org.tenant, auditor)
    response = api.post(
        "/api/v1/evidence-packs/", {"subject_type": "spaceship", "subject_id": "1"}, format="json"
    )
    assert response.status_code == 422 and "subject_type" in response.json()["errors"]
    for unknown in ("00000000-0000-0000-0000-000000000000", "1", "REQ-000001'; --"):
        response = api.post(
            "/api/v1/evidence-packs/",
            {"subject_type": "requisition", "subject_id": unknown},
            format="json",
        )
        assert response.status_code == 422 and "subject_id" in response.json()["errors"]
    response = api.post(
        "/api/v1/evidence-packs/",
        {"period_start": "2026-11-30", "period_end": "2026-11-01"},
        format="json",
    )
    assert response.status_code == 422 and "period_end" in response.json()["errors"]
    response = api.post(
        "/api/v1/evidence-packs/",
        {"period_start": "2026-10-01", "period_end": "2026-10-31"},
        format="json",
    )
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert response.json()["download_url"] is None


def test_a_german_readers_pack_has_german_headings_amounts_and_dates(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    """Built inline as the worker builds it: in the asker's language, whatever the builder's."""
    from django.utils import timezone, translation
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    auditor = make_user(org.tenant, "pruefer", ["auditor"])
    with in_tenant(org.tenant):
        User.objects.filter(pk=auditor.pk).update(language="de")
        auditor.refresh_from_db()
    draft = decided_requisition(org, api_for, in_tenant)
    with translation.override("en"):  # the builder's own language does not count
        pack = built(org, in_tenant, auditor, draft["id"])
    text = pdf_text(pack_bytes(org, in_tenant, pack))
    with translation.override("de"):
        heading = _("Audit events with hashes")
        today = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert heading != "Audit events with hashes" and flat(heading) in flat(text)
    assert "30.000,00 USD" in text and "30,000.00 USD" not in text
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", today) and today in text
    # ISO only in the hash appendix, where the trail's own timestamps are quoted
    assert timezone.localdate().isoformat() not in flat(text).split(flat(heading))[0]
