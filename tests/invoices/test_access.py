"""Invoices and exception queues are for the roles that work them (docs/roles.md): a requester
opens neither, by page or API; an approver reads invoices but works no queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as PageClient

from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def _page(tenant: Any, user: Any, in_tenant: Any) -> PageClient:
    page = PageClient(HTTP_HOST=host_of(tenant))
    with in_tenant(tenant):
        page.force_login(user)
    return page


@pytest.mark.parametrize(
    ("role", "invoices", "exceptions"),
    [
        ("requester", 403, 403),
        ("approver", 200, 403),
        ("receiver", 200, 200),
        ("buyer", 200, 200),
        ("ap_clerk", 200, 200),
        ("auditor", 200, 200),
    ],
)
def test_invoice_and_exception_lists_by_role(
    role: str,
    invoices: int,
    exceptions: int,
    tenant_a: Any,
    make_user: Any,
    api_for: Any,
    in_tenant: Any,
) -> None:
    user = make_user(tenant_a, f"lists-{role}", [role])
    api = api_for(tenant_a, user)
    assert api.get("/api/v1/invoices/").status_code == invoices
    assert api.get("/api/v1/exceptions/").status_code == exceptions
    page = _page(tenant_a, user, in_tenant)
    assert page.get("/invoices/").status_code == invoices
    assert page.get("/exceptions/").status_code == exceptions
