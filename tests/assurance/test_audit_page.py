"""/audit/: the trail with filters, the chain's state and the packs, for auditors only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from apps.assurance.models import EvidencePack
from apps.audit.services import audit_record
from tests.conftest import count_queries
from tests.org import Org, requisition_body
from tests.portal.test_words import problems_in, visible_text

pytestmark = pytest.mark.django_db


def _record(n: int, action: str = "thing.done") -> None:
    with transaction.atomic():
        for i in range(n):
            audit_record(actor="system:test", action=action, subject_type="thing", subject_id=i)


def test_auditor_reads_filters_and_verifies(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    web = api_for(org.tenant)
    with in_tenant(org.tenant):
        web.force_login(auditor)
        _record(3, "thing.done")
        _record(2, "other.done")
    page = web.get("/audit/").content.decode()
    assert "has not been checked yet" in page
    assert web.post("/audit/chain/verify/").status_code == 302
    page = web.get("/audit/").content.decode()
    assert "intact" in page and "checked on demand" in page
    filtered = web.get("/audit/?action=other.").content.decode()
    # an action without a label reads as words (apps.portal.labels)
    assert filtered.count("Other: done") == 2 and "Thing: done" not in filtered
    assert "Thing: done" in web.get("/audit/?subject_type=thing&subject_id=1").content.decode()
    assert "Thing: done" not in web.get("/audit/?until=2000-01-01").content.decode()


def test_audit_page_queries_are_flat(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    web = api_for(org.tenant)
    with in_tenant(org.tenant):
        web.force_login(auditor)
        _record(3)
    few = count_queries(lambda: web.get("/audit/"))
    with in_tenant(org.tenant):
        _record(60)
    # one query per kind of subject on the page (their business numbers), never per event
    assert count_queries(lambda: web.get("/audit/")) <= few


def test_pack_asked_for_by_requisition_number(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    auditor = make_user(org.tenant, "auditor", ["auditor"])
    draft = (
        api_for(org.tenant, org.requester)
        .post("/api/v1/requisitions/", requisition_body(), format="json")
        .json()
    )
    web = api_for(org.tenant)
    with in_tenant(org.tenant):
        web.force_login(auditor)
    response = web.post(
        "/audit/packs/", {"subject_type": "requisition", "subject": draft["number"]}
    )
    assert response.status_code == 302
    with in_tenant(org.tenant):
        pack = EvidencePack.objects.get()
        assert (pack.subject_type, pack.subject_id) == ("requisition", draft["id"])
        assert pack.requested_by == auditor
    assert "queued" in web.get("/audit/").content.decode().lower()
    # the trail names the pack by what it is about while it has no title yet, not its id
    trail = web.get("/audit/?subject_type=evidence_pack").content.decode()
    assert f"requisition {draft['number']}" in visible_text(trail)
    assert not problems_in("/audit/?subject_type=evidence_pack", trail)


def test_requesters_do_not_see_the_audit_page(org: Org, api_for: Any, in_tenant: Any) -> None:
    web = api_for(org.tenant)
    with in_tenant(org.tenant):
        web.force_login(org.requester)
    assert web.get("/audit/").status_code == 403
    assert web.post("/audit/packs/", {"subject_type": "requisition"}).status_code == 403


def test_the_trail_names_integrations_statements_and_jobs(
    org: Org, api_for: Any, in_tenant: Any, make_user: Any
) -> None:
    """A webhook endpoint reads as its URL's host, an ERP connection as its name, a bank
    statement as its message id, Spendgate's jobs and the ERP by what they are: never a UUID or
    `system:matching`."""
    from apps.integrations.models import ErpConnection, WebhookEndpoint
    from apps.payments.models import BankStatement

    auditor = make_user(org.tenant, "auditor", ["auditor"])
    web = api_for(org.tenant)
    with in_tenant(org.tenant):
        web.force_login(auditor)
        hook = WebhookEndpoint.objects.create(
            url="https://hooks.example.net/spendgate?x=1", secret_encrypted="x"
        )
        erp = ErpConnection.objects.create(name="SAP production", secret_encrypted="x")
        statement = BankStatement.objects.create(
            kind="camt.053", message_id="STMT-2026-11-30", sha256="0" * 64
        )
        with transaction.atomic():
            for actor, kind, pk in [
                ("system:matching", "webhook_endpoint", hook.pk),
                ("erp:SAP production", "erp_connection", erp.pk),
                ("system:spend_coding", "bank_statement", statement.pk),
            ]:
                audit_record(
                    actor=actor, action=f"{kind}.updated", subject_type=kind, subject_id=pk
                )
    page = web.get("/audit/").content.decode()
    for shown in (
        "hooks.example.net",
        "SAP production",
        "STMT-2026-11-30",
        "Spendgate (invoice matching)",
        "Spendgate (spend coding)",
        "ERP SAP production",
    ):
        assert shown in page, shown
    for hidden in (str(hook.pk), str(erp.pk), str(statement.pk), "system:matching"):
        assert f">{hidden}<" not in page and f" {hidden} " not in page, hidden
    # a trail link names the record it follows
    followed = web.get(f"/audit/?subject_type=erp_connection&subject_id={erp.pk}").content.decode()
    assert "The trail of SAP production" in followed
