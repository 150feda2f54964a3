"""An evidence pack asked for over the API is built by a real Celery worker on the `reports`
queue, then downloads as the PDF whose SHA-256 the audit trail holds."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from apps.accounts.services import user_ensure
from apps.assurance.models import EvidencePack
from apps.assurance.tasks import generate_evidence_pack
from apps.audit.models import AuditEvent
from apps.suppliers.models import Supplier
from apps.tenancy.context import tenant_context
from config.celery import app
from tests.conftest import PASSWORD, poll


def test_the_reports_worker_builds_a_requested_pack(
    committed_org: dict[str, Any],
    django_db_blocker: Any,
    celery_worker_process: None,
    api_for: Any,
) -> None:
    assert app.amqp.router.route({}, generate_evidence_pack.name)["queue"].name == "reports"
    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant):
        with transaction.atomic():
            auditor = user_ensure(email="audit@x.test", password=PASSWORD, roles=["auditor"])
            supplier = Supplier.objects.create(
                name="Northwind Traders", country="DE", status="approved"
            )
        api = api_for(tenant, auditor)
        response = api.post(
            "/api/v1/evidence-packs/",
            {"subject_type": "supplier", "subject_id": str(supplier.pk)},
            format="json",
        )
        assert response.status_code == 202, response.content
        pack_id = response.json()["id"]

        def ready() -> bool:
            return EvidencePack.objects.filter(pk=pack_id, status="ready").exists()

        poll(ready, what="the reports worker to build the pack")
        body = api.get(f"/api/v1/evidence-packs/{pack_id}/").json()
        assert body["download_url"] and body["chain_valid"] is True
        data = b"".join(api.get(body["download_url"]).streaming_content)
        assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == body["sha256"]
        recorded = AuditEvent.objects.get(action="evidence_pack.generated", subject_id=pack_id)
        assert recorded.data["sha256"] == body["sha256"] and recorded.actor == "system:reports"


def test_the_worker_writes_the_pack_in_the_askers_language(
    committed_org: dict[str, Any],
    django_db_blocker: Any,
    celery_worker_process: None,
    api_for: Any,
) -> None:
    """The worker speaks English by default; a pack asked for by an auditor who reads German
    is written in German (its headings and the number format)."""
    import io

    import pdfplumber
    from django.utils import translation
    from django.utils.translation import gettext as _

    from apps.accounts.models import User

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant):
        with transaction.atomic():
            auditor = user_ensure(email="prufer@x.test", password=PASSWORD, roles=["auditor"])
            User.objects.filter(pk=auditor.pk).update(language="de")
            supplier = Supplier.objects.create(name="Contoso GmbH", country="DE", status="approved")
        api = api_for(tenant, auditor)
        asked = api.post(
            "/api/v1/evidence-packs/",
            {"subject_type": "supplier", "subject_id": str(supplier.pk)},
            format="json",
        )
        assert asked.status_code == 202, asked.content
        pack_id = asked.json()["id"]
        poll(
            lambda: EvidencePack.objects.filter(pk=pack_id, status="ready").exists(),
            what="the reports worker to build the pack",
        )
        body = api.get(f"/api/v1/evidence-packs/{pack_id}/").json()
        data = b"".join(api.get(body["download_url"]).streaming_content)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = " ".join(page.extract_text() or "" for page in pdf.pages)
    text = " ".join(text.split())
    with translation.override("de"):
        heading = _("Audit events with hashes")
    assert heading != "Audit events with hashes"
    assert heading in text and "Audit events with hashes" not in text
