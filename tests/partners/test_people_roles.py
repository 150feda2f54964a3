"""Each partner role does exactly what its capabilities allow, on the console's pages and in the
partner API: the pages it opens answer, the others refuse (403), and the console draws no link
or button to a page the role cannot open. docs/partners.md's matrix is written from the roles."""

from __future__ import annotations

import re
from typing import Any

import lxml.html
import pytest
from rest_framework.test import APIClient

from apps.tenancy.partner_pages import capability_matrix, page_matrix, partner_pages
from apps.tenancy.partner_roles import PARTNER_ROLE_CAPABILITIES
from tests.conftest import ROOT, partner_api_for, partner_signed_in

pytestmark = pytest.mark.django_db

PEOPLE = {
    "partner_admin": "partner@partner.test",
    "partner_operator": "operator@partner.test",
    "partner_support": "support@partner.test",
    "partner_billing": "billing@partner.test",
}
# (method, path, body, capability it needs)
PAGES = [
    ("get", "/partner/", None, "view_console"),
    ("get", "/partner/operations/", None, "view_console"),
    ("get", "/partner/people/", None, "manage_partner_users"),
    ("get", "/partner/tenants/tenanta/", None, "manage_tenants"),
    ("post", "/partner/", {"name": ""}, "manage_tenants"),
    ("post", "/partner/tenants/tenanta/status/", {"status": "active"}, "manage_tenants"),
    ("post", "/partner/people/", {"email": ""}, "manage_partner_users"),
]
API = [
    ("get", "/api/v1/partner/tenants/", None, "view_console"),
    ("get", "/api/v1/partner/tenants/tenanta/", None, "view_console"),
    ("get", "/api/v1/partner/insights/", None, "view_console"),
    ("post", "/api/v1/partner/tenants/", {}, "manage_tenants"),
    ("patch", "/api/v1/partner/tenants/tenanta/branding/", {}, "manage_tenants"),
    ("post", "/api/v1/partner/tenants/tenanta/suspend/", {}, "manage_tenants"),
    ("get", "/api/v1/partner/users/", None, "manage_partner_users"),
    ("post", "/api/v1/partner/users/", {}, "manage_partner_users"),
]


def _token_client(email: str) -> APIClient:
    return partner_api_for(email)  # type: ignore[no-any-return]


@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_each_role_opens_exactly_the_pages_of_its_capabilities(role: str, tenant_a: Any) -> None:
    browser = partner_signed_in(PEOPLE[role])
    held = PARTNER_ROLE_CAPABILITIES[role]
    for method, path, body, needs in PAGES:
        answer = getattr(browser, method)(path, body or {})
        if needs in held:
            assert answer.status_code != 403, (role, method, path)
        else:
            assert answer.status_code == 403, (role, method, path, answer.status_code)


@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_each_role_calls_exactly_the_endpoints_of_its_capabilities(
    role: str, tenant_a: Any
) -> None:
    api = _token_client(PEOPLE[role])
    held = PARTNER_ROLE_CAPABILITIES[role]
    for method, path, body, needs in API:
        answer = getattr(api, method)(path, body, format="json")
        if needs in held:
            assert answer.status_code not in (401, 403, 404), (role, method, path)
        else:
            assert answer.status_code == 403, (role, method, path, answer.status_code)
            assert answer.json()["code"] == "permission_denied"
            assert answer.json()["detail"].endswith(".")


@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_the_console_links_only_to_what_the_role_may_open(role: str, tenant_a: Any) -> None:
    browser = partner_signed_in(PEOPLE[role])
    held = PARTNER_ROLE_CAPABILITIES[role]
    html = browser.get("/partner/").content.decode()
    menu = set(lxml.html.fromstring(html).xpath("//nav//a/@data-menu"))
    assert menu == {p.key for p in partner_pages() if p.capability in held} | {"security"}
    links = set(re.findall(r'href="(/partner/[^"?#]*)', html))
    for path in links:
        assert browser.get(path).status_code == 200, (role, path)
    may_manage = "manage_tenants" in held
    assert ('data-testid="manage"' in html) is may_manage
    assert ('data-testid="tenant-create"' in html) is may_manage
    operations = browser.get("/partner/operations/").content.decode()
    assert ("/partner/tenants/tenanta/" in operations) is may_manage


def test_the_documented_matrix_is_the_roles() -> None:
    doc = (ROOT / "docs" / "partners.md").read_text()
    section = doc.split("## Partner people and roles", 1)[1]
    assert "\n".join(capability_matrix()) in section
    for line in page_matrix():
        assert line in section
