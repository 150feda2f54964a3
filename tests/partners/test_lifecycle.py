"""Offboarding a client tenant: partner admins only, a suspended tenant only, a full export
the partner downloads and the backup's own check reads, the deletion after the retention
period the partner chose (never before) with the final record in the public trail, and the
cancel before that date. Each test offboards a throwaway tenant of its own (rolled back)."""

from __future__ import annotations

import hashlib
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client as BrowserClient
from django.utils import timezone
from django_tenants.utils import schema_exists
from rest_framework.test import APIClient

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.partners.models import Offboarding
from apps.partners.services.lifecycle import offboardings_complete_due
from apps.tenancy.backup import backup_verify, tenant_restore
from apps.tenancy.context import public_context
from apps.tenancy.models import Client, Domain
from tests.conftest import partner_api_for, partner_signed_in

pytestmark = pytest.mark.django_db

OFFBOARD = {"confirm_name": "Soylent", "reason": "Contract ended.", "retention_days": 30}


@pytest.fixture
def exports(settings: Any, tmp_path: Path) -> Path:
    settings.PARTNER_EXPORT_ROOT = tmp_path / "exports"
    return tmp_path / "exports"


@pytest.fixture
def soylent(partner_api: APIClient, make_user: Any) -> Client:
    """A throwaway tenant with one person, suspended (its schema goes with the rollback)."""
    created = partner_api.post(
        "/api/v1/partner/tenants/",
        {"slug": "soylent", "name": "Soylent", "domain": "soylent.localhost"},
        format="json",
    )
    assert created.status_code == 201, created.content
    connection.set_schema_to_public()
    client = Client.objects.get(slug="soylent")
    make_user(client, "ap", ["ap_clerk"])
    suspended = partner_api.post(
        "/api/v1/partner/tenants/soylent/suspend/",
        {"confirm_name": "Soylent", "reason": "Contract ended."},
    )
    assert suspended.json()["status"] == "suspended"
    yield client
    shutil.rmtree(
        Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % "soylentback"),
        ignore_errors=True,
    )


def _signed_in(email: str) -> APIClient:
    return partner_api_for(email)  # type: ignore[no-any-return]


def test_only_a_partner_admin_of_the_tenants_partner_offboards(
    soylent: Client, exports: Path
) -> None:
    for email in ("operator@partner.test", "support@partner.test", "billing@partner.test"):
        refused = _signed_in(email).post(
            "/api/v1/partner/tenants/soylent/offboard/", OFFBOARD, format="json"
        )
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        assert "offboard a client tenant" in refused.json()["detail"]
    rival = _signed_in("other@rival.test").post(
        "/api/v1/partner/tenants/soylent/offboard/", OFFBOARD, format="json"
    )
    assert rival.status_code == 404
    assert (
        _signed_in("other@rival.test").get("/api/v1/partner/tenants/soylent/export/").status_code
        == 404
    )
    soylent.refresh_from_db()
    assert soylent.status == "suspended" and not Offboarding.objects.exists()
    assert not exports.exists()  # no export made for a refused request


def test_an_active_tenant_is_suspended_first_and_bad_input_is_said(
    partner_api: APIClient, soylent: Client, exports: Path
) -> None:
    partner_api.post("/api/v1/partner/tenants/soylent/reactivate/", {"reason": "Back."})
    active = partner_api.post("/api/v1/partner/tenants/soylent/offboard/", OFFBOARD, format="json")
    assert active.status_code == 409 and active.json()["code"] == "invalid_transition"
    assert active.json()["detail"].startswith("Suspend Soylent first")
    partner_api.post(
        "/api/v1/partner/tenants/soylent/suspend/", {"confirm_name": "Soylent", "reason": "Ended."}
    )
    for days in (3, 3651):
        bad = partner_api.post(
            "/api/v1/partner/tenants/soylent/offboard/",
            {**OFFBOARD, "retention_days": days},
            format="json",
        )
        assert bad.status_code == 422 and bad.json()["errors"]["retention_days"] == [
            "Keep the data between 7 and 3650 days before it is deleted."
        ]
    wrong = partner_api.post(
        "/api/v1/partner/tenants/soylent/offboard/",
        {**OFFBOARD, "confirm_name": "Soy", "reason": " "},
        format="json",
    )
    assert set(wrong.json()["errors"]) == {"confirm_name", "reason"}
    text = partner_api.post(
        "/api/v1/partner/tenants/soylent/offboard/",
        {**OFFBOARD, "retention_days": "30"},
        format="json",
    )
    assert text.status_code == 400  # a number, not text
    assert not Offboarding.objects.exists() and not exports.exists()


def test_offboarding_exports_then_deletes_after_the_retention_period(
    partner_api: APIClient, soylent: Client, exports: Path
) -> None:
    started = timezone.now()
    response = partner_api.post(
        "/api/v1/partner/tenants/soylent/offboard/", OFFBOARD, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tenant_status"] == "offboarding" and body["status"] == "scheduled"
    assert body["requested_by"] == "partner@partner.test" and body["retention_days"] == 30
    export = body["export"]
    assert export["download_url"] == "/api/v1/partner/tenants/soylent/export/"

    # the export: on disk under the partner's folder, checked by the backup's own reader
    (path,) = exports.rglob("*.tar.gz")
    assert path.name == export["name"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == export["sha256"]
    manifest = backup_verify(path)
    assert manifest["tenant"]["slug"] == "soylent"
    assert sum(t["rows"] for t in manifest["tables"].values()) == export["rows"]
    assert manifest["tables"]["accounts_user"]["rows"] >= 1
    downloaded = partner_api.get("/api/v1/partner/tenants/soylent/export/")
    assert downloaded.status_code == 200
    assert downloaded["X-Content-SHA256"] == export["sha256"]
    assert hashlib.sha256(b"".join(downloaded.streaming_content)).hexdigest() == export["sha256"]

    # its host answers as suspended, never its data; it cannot be resumed while offboarding
    assert BrowserClient(HTTP_HOST="soylent.localhost").get("/login/").status_code == 403
    assert (
        partner_api.post(
            "/api/v1/partner/tenants/soylent/reactivate/", {"reason": "Oops."}
        ).status_code
        == 409
    )

    # before the date: nothing is deleted
    assert offboardings_complete_due(now=started + timedelta(days=29)) == []
    assert schema_exists("soylent")

    # after it: the schema is dropped, the domain gone, the client a tombstone
    assert offboardings_complete_due(now=started + timedelta(days=31)) == ["soylent"]
    assert not schema_exists("soylent")
    assert not Client.objects.filter(slug="soylent").exists()
    tombstone = Client.tombstones_included.get(slug="soylent")
    assert tombstone.status == "offboarded"
    tombstone.save()  # django-tenants makes a missing schema again on save: not a tombstone's
    assert not schema_exists("soylent")
    assert not Domain.objects.filter(tenant=tombstone).exists()
    gone = BrowserClient(HTTP_HOST="soylent.localhost").get("/login/")
    assert gone.status_code == 404
    assert offboardings_complete_due(now=started + timedelta(days=32)) == []  # once

    # the final record, in the public schema's trail, whose chain still verifies
    with public_context():
        final = AuditEvent.objects.filter(subject_type="tenant", subject_id="soylent").latest("id")
        assert audit_chain_verify().valid
    assert final.action == "tenant.offboarded"
    assert final.after["schema_dropped"] == "soylent"
    assert final.after["domains_removed"] == ["soylent.localhost"]
    assert final.data["offboarded_by"] == "partner@partner.test"
    assert final.data["export"]["sha256"] == export["sha256"]
    assert final.data["export"]["rows"] == export["rows"]
    started_event = AuditEvent.objects.get(
        action="tenant.offboarding_started", subject_id="soylent"
    )
    assert started_event.after["retention_days"] == 30

    # the partner still reads the offboarding and downloads the export
    assert partner_api.get("/api/v1/partner/tenants/soylent/offboard/").json()["status"] == (
        "completed"
    )
    assert partner_api.get("/api/v1/partner/tenants/soylent/export/").status_code == 200
    # and nothing that walks the tenants meets the dropped schema
    assert "soylent" not in set(Client.objects.values_list("schema_name", flat=True))


def test_the_export_restores_as_a_new_tenant(
    partner_api: APIClient, soylent: Client, exports: Path
) -> None:
    partner_api.post("/api/v1/partner/tenants/soylent/offboard/", OFFBOARD, format="json")
    (path,) = exports.rglob("*.tar.gz")
    report = tenant_restore(path, slug="soylentback")
    assert report.client.status == "suspended"  # as it was when exported
    assert report.rows == Offboarding.objects.get().export_rows


def test_the_console_confirms_then_offboards_and_the_offboarding_is_cancelled(
    soylent: Client, exports: Path
) -> None:
    console = partner_signed_in("partner@partner.test")
    assert b"lifecycle-link" in console.get("/partner/tenants/soylent/").content
    page = console.get("/partner/tenants/soylent/offboard/")
    assert page.status_code == 200 and b"offboard-form" in page.content
    form = {"action": "offboard", **OFFBOARD}
    review = console.post("/partner/tenants/soylent/offboard/", form)
    assert review.status_code == 200 and b"offboard-review" in review.content
    assert not Offboarding.objects.exists()  # nothing before the confirmation
    done = console.post("/partner/tenants/soylent/offboard/", {**form, "confirmation": "given"})
    assert done.status_code == 302
    soylent.refresh_from_db()
    assert soylent.status == "offboarding"
    shown = console.get("/partner/tenants/soylent/offboard/")
    assert b"export-download" in shown.content and b"offboard-cancel-form" in shown.content
    download = console.get("/partner/tenants/soylent/export/")
    assert download.status_code == 200 and download["Content-Type"] == "application/gzip"

    blank = console.post("/partner/tenants/soylent/offboard/", {"action": "cancel", "reason": ""})
    assert blank.status_code == 422
    cancelled = console.post(
        "/partner/tenants/soylent/offboard/", {"action": "cancel", "reason": "They renewed."}
    )
    assert cancelled.status_code == 302
    soylent.refresh_from_db()
    offboarding = Offboarding.objects.get()
    assert soylent.status == "suspended" and offboarding.status == "cancelled"
    assert offboarding.cancelled_by == "partner@partner.test"
    assert AuditEvent.objects.filter(
        action="tenant.offboarding_cancelled", subject_id="soylent"
    ).exists()
    # the deletion date passes: nothing is deleted
    assert offboardings_complete_due(now=offboarding.delete_after + timedelta(days=1)) == []
    assert schema_exists("soylent")


def test_an_operator_meets_a_refusal_on_the_console_page(soylent: Client) -> None:
    console = partner_signed_in("operator@partner.test")
    assert console.get("/partner/tenants/soylent/offboard/").status_code == 403
    assert console.get("/partner/tenants/soylent/export/").status_code == 403


def test_the_old_copy_of_a_tenant_moved_to_another_region_is_still_offboarded(
    partner_api: APIClient, soylent: Client, exports: Path
) -> None:
    """docs/residency.md, step 6: after the move is recorded here, the old copy is offboarded
    on this deployment, its export included, though backups of another region's tenant are
    refused here otherwise."""
    call_command("tenant_region", "soylent", "us")
    response = partner_api.post(
        "/api/v1/partner/tenants/soylent/offboard/", OFFBOARD, format="json"
    )
    assert response.status_code == 201, response.content
    (path,) = exports.rglob("*.tar.gz")
    assert backup_verify(path)["tenant"]["region"] == "us"
