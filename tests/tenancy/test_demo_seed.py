"""The demo seed of CONTRACT §2 builds the demo and changes nothing when run again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as BrowserClient

from apps.accounts.models import User
from apps.demo.tenants import seed_demo
from apps.tenancy.models import Client

pytestmark = pytest.mark.django_db


def test_seed_builds_the_contract_demo_and_is_idempotent(in_tenant: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2026")
    seed_demo()
    acme, globex = Client.objects.get(slug="acme"), Client.objects.get(slug="globex")
    assert (acme.portal_name, acme.primary_color) == ("Acme Procurement", "#0B5FFF")
    assert (globex.portal_name, globex.primary_color) == ("Globex Buying Hub", "#D6336C")
    assert acme.partner.name == "Northwind Partners"
    with in_tenant(acme):
        users = set(User.objects.values_list("email", flat=True))
        manager = User.objects.get(email="manager@acme.example")
        assert User.objects.get(email="requester@acme.example").manager == manager
        assert User.objects.get(email="approver@acme.example").manager == manager
    expected = {
        f"{r}@acme.example"
        for r in (
            "requester",
            "approver",
            "manager",
            "buyer",
            "receiver",
            "ap",
            "apmanager",
            "auditor",
            "admin",
            "supplier",
        )
    }
    assert expected <= users
    with in_tenant(acme):
        from apps.procurement.models import PurchaseOrder, Requisition
        from apps.workflow.models import ApprovalStep, ApprovalTask

        states = set(Requisition.objects.values_list("status", flat=True))
        assert {"draft", "pending_approval", "ordered", "rejected", "cancelled"} <= states
        assert (
            PurchaseOrder.objects.count()
            == Requisition.objects.filter(status="ordered").count()
            >= 4
        )
        open_for = set(
            ApprovalTask.objects.filter(status="open").values_list("assignee__email", flat=True)
        )
        assert {"manager@acme.example", "apmanager@acme.example"} <= open_for
        assert ApprovalStep.objects.filter(escalated_at__isnull=False).count() == 1
        seeded = Requisition.objects.count()
        from apps.audit.selectors import audit_chain_verify

        assert audit_chain_verify().valid
    before = (Client.objects.count(), len(users))
    seed_demo()
    with in_tenant(acme):
        assert (Client.objects.count(), User.objects.count()) == before
        assert Requisition.objects.count() == seeded

    from apps.demo.tenants import DEMO_USERS

    for slug in ("acme", "globex"):
        for local, *_ in DEMO_USERS:
            signed_in = BrowserClient(HTTP_HOST=f"{slug}.localhost").post(
                "/login/", {"username": f"{local}@{slug}.example", "password": "demo-pass-2026"}
            )
            assert signed_in.status_code == 302, f"{local}@{slug}.example cannot sign in"
    browser = BrowserClient(HTTP_HOST="acme.localhost")
    assert (
        browser.post(
            "/login/", {"username": "admin@acme.example", "password": "demo-pass-2026"}
        ).status_code
        == 302
    )
    assert b"Acme Procurement" in browser.get("/settings/").content
    partner = BrowserClient(HTTP_HOST="localhost")
    assert (
        partner.post(
            "/login/", {"username": "partner@northwind.example", "password": "demo-pass-2026"}
        ).status_code
        == 302
    )
    console = partner.get("/partner/").content.decode()
    assert "Acme Corporation" in console and "Globex Industries" in console
