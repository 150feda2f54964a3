"""Each role is led to the pages it may use and refused the others, generated from the matrix
(ROLE_CAPABILITIES and the page registry, apps/accounts/pages.py), as docs/roles.md shows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as BrowserClient

from apps.accounts.pages import PAGES, pages_of_role
from apps.accounts.roles import ROLE_CAPABILITIES, SUPPLIER
from tests.conftest import PASSWORD, ROOT
from tests.suppliers.conftest import invite, portal_user

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST="a.localhost")
    assert (
        browser.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    )
    return browser


def _user_of(role: str, tenant: Any, make_user: Any, sorg: Any, in_tenant: Any) -> Any:
    if role != SUPPLIER:
        return make_user(tenant, f"page-{role}", [role])
    with in_tenant(tenant):
        return portal_user(invite(sorg, "Menu Test Supplies Ltd"))


@pytest.mark.parametrize("role", list(ROLE_CAPABILITIES))
def test_each_role_sees_its_pages_and_is_refused_the_rest(
    role: str, tenant_a: Any, make_user: Any, sorg: Any, in_tenant: Any
) -> None:
    browser = _signed_in(_user_of(role, tenant_a, make_user, sorg, in_tenant))
    expected = pages_of_role(ROLE_CAPABILITIES[role])
    assert expected, f"{role} opens no page at all"
    home = browser.get("/", follow=True)
    assert home.status_code == 200
    assert re.findall(r'data-menu="(\w+)"', home.text) == expected
    for page in PAGES:
        status = browser.get(page.path).status_code
        if page.key in expected:
            assert status == 200, (role, page.path, status)
        else:
            assert status == 403, (role, page.path, status)


def test_roles_doc_shows_the_pages_of_each_role() -> None:
    doc = (ROOT / "docs" / "roles.md").read_text()
    header = re.search(r"^\| page \|(.*)\|$", doc, re.M)
    assert header, "docs/roles.md has no pages table"
    roles = [c.strip().strip("`") for c in header.group(1).split("|")]
    assert roles == list(ROLE_CAPABILITIES)
    rows = {
        m.group(1): [c.strip() for c in m.group(2).split("|")]
        for m in re.finditer(r"^\| `(/[\w/-]*)` \|(.*)\|$", doc, re.M)
    }
    assert list(rows) == [page.path for page in PAGES]
    for page in PAGES:
        opened = {r for r, mark in zip(roles, rows[page.path], strict=True) if mark == "✓"}
        assert opened == {r for r in roles if page.key in pages_of_role(ROLE_CAPABILITIES[r])}


def test_the_exceptions_page_is_for_those_who_work_a_queue_auditors_and_insights() -> None:
    from apps.accounts.pages import BY_KEY
    from apps.invoices.exception_codes import QUEUES

    owners = {perm.removeprefix("accounts.") for perm, _label in QUEUES.values()}
    readers = {"process_invoices", "view_audit", "view_insights"}
    assert BY_KEY["exceptions"].capabilities == owners | readers
