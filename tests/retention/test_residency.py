"""Residency: a deployment serves only the tenants of its own region; another region's tenant
is answered `wrong_region`, and its files and outbound connections are refused here."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client as Browser
from django.test import override_settings

from apps.inbox.hosts import mailbox_address
from apps.integrations.webhooks.delivery import deliver_due
from apps.integrations.webhooks.guard import url_check
from apps.tenancy.residency import WrongRegion
from apps.tenancy.scheduler import scheduled_tenants
from tests.conftest import host_of, partner_signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant_in_us(tenant_b: Any) -> Any:
    tenant_b.region = "us"
    tenant_b.save(update_fields=["region"])
    return tenant_b


def test_a_tenant_lives_in_the_deployments_region_by_default(
    tenant_a: Any, partner_api: Any
) -> None:
    assert tenant_a.region == "eu"
    listed = partner_api.get("/api/v1/partner/tenants/")
    assert listed.status_code == 200
    regions = {t["slug"]: t["region"] for t in listed.json()["results"]}
    assert regions[tenant_a.slug] == "eu"
    console = partner_signed_in().get("/partner/")
    assert console.status_code == 200
    (row,) = lxml.html.fromstring(console.content).xpath(f"//tr[@data-tenant='{tenant_a.slug}']")
    assert row.xpath(".//*[@data-testid='region']")[0].text_content() == "region eu"


@override_settings(SPENDGATE_REGION_URLS={"us": "https://us.spendgate.example"})
def test_another_regions_tenant_is_refused_with_where_it_lives(
    tenant_in_us: Any, tenant_a: Any, api_for: Any
) -> None:
    api = api_for(tenant_in_us)
    response = api.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "wrong_region"
    assert "region us" in body["detail"] and "https://us.spendgate.example" in body["detail"]
    page = Browser(HTTP_HOST=host_of(tenant_in_us)).get("/login/")
    assert page.status_code == 409 and b"region us" in page.content
    # the deployment's own tenants are served as ever
    assert Browser(HTTP_HOST=host_of(tenant_a)).get("/login/").status_code == 200
    assert tenant_in_us not in set(scheduled_tenants())
    assert tenant_a in set(scheduled_tenants())


def test_files_and_outbound_connections_of_another_region_are_refused(
    tenant_in_us: Any, tenant_a: Any, in_tenant: Any
) -> None:
    with in_tenant(tenant_in_us):
        with pytest.raises(WrongRegion):
            default_storage.save("residency/check.txt", ContentFile(b"x"))
        with pytest.raises(WrongRegion):
            url_check("https://93.184.216.34/hook")
        with pytest.raises(WrongRegion):
            mailbox_address("imap.example.com", 993)
        assert deliver_due() == 0  # its deliveries wait for its own region's deployment
    with in_tenant(tenant_a):
        name = default_storage.save("residency/check.txt", ContentFile(b"x"))
        default_storage.delete(name)
        assert url_check("https://93.184.216.34/hook") == "https://93.184.216.34/hook"


def test_the_deployment_a_tenant_left_records_its_new_region(tenant_b: Any) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from apps.audit.models import AuditEvent

    out = StringIO()
    call_command("tenant_region", tenant_b.slug, "us", stdout=out)
    assert f"{tenant_b.slug}: region us, not served here (eu)" in out.getvalue()
    tenant_b.refresh_from_db()
    assert tenant_b.region == "us"
    event = AuditEvent.objects.get(action="tenant.region_recorded", subject_id=tenant_b.slug)
    assert event.before == {"region": "eu"} and event.after == {"region": "us"}
    with pytest.raises(CommandError):
        call_command("tenant_region", tenant_b.slug, "US East", stdout=out)
