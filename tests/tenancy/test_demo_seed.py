"""The demo seed of CONTRACT §2 builds the demo and changes nothing when run again."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from apps.accounts.models import User
from apps.demo.second_factor import DEMO_TOTP_SECRETS
from apps.demo.tenants import seed_demo
from apps.tenancy.models import Client

pytestmark = pytest.mark.django_db


def test_seed_builds_the_contract_demo_and_is_idempotent(in_tenant: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-2026")
    seed_demo()
    acme, globex = Client.objects.get(slug="acme"), Client.objects.get(slug="globex")
    assert (acme.portal_name, acme.primary_color) == ("Acme Procurement", "#0B5FFF")
    assert (globex.portal_name, globex.primary_color) == ("Globex Buying Hub", "#D6336C")
    # globex speaks French to its people (none of whom chose a language)
    assert (acme.default_language, globex.default_language) == ("en", "fr")
    greeting = BrowserClient(HTTP_HOST="globex.localhost").get("/login/")
    assert greeting["Content-Language"] == "fr" and '<html lang="fr">' in greeting.content.decode()
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
        assert states == set(Requisition.Status.values)  # every state has examples
        # approved ones wait for a buyer to choose the supplier; one the buyer already chose
        waiting = Requisition.objects.filter(status="approved")
        assert waiting.count() >= 2 and not waiting.exclude(supplier=None).exists()
        assert PurchaseOrder.objects.filter(buyer__email="buyer@acme.example").exists()
        # one taken back to draft while it waited for approval
        from apps.audit.models import AuditEvent

        withdrawn = AuditEvent.objects.filter(action="requisition.withdrawn").values_list(
            "subject_id", flat=True
        )
        assert Requisition.objects.filter(pk__in=list(withdrawn), status="draft").exists()
        assert (
            PurchaseOrder.objects.count()
            == Requisition.objects.filter(status="ordered").count()
            >= 4
        )
        open_for = set(
            ApprovalTask.objects.filter(status="open").values_list("assignee__email", flat=True)
        )
        assert {"manager@acme.example", "apmanager@acme.example"} <= open_for
        # late steps were reminded and escalated by the sweep, as beat would have
        assert ApprovalStep.objects.filter(escalated_at__isnull=False).count() >= 1
        seeded = Requisition.objects.count()
        from apps.audit.selectors import audit_chain_verify

        assert audit_chain_verify().valid
        _history_looks_real()
        _contracts_tell_their_story()
        _suppliers_named_are_selectable()
    before = (Client.objects.count(), len(users))
    with in_tenant(acme):
        from apps.audit.models import AuditEvent

        trail = AuditEvent.objects.count()
    seed_demo()
    with in_tenant(acme):
        assert (Client.objects.count(), User.objects.count()) == before
        assert Requisition.objects.count() == seeded
        # the second run writes nothing but what beat would today (chain check, sweeps)
        assert (
            not AuditEvent.objects.filter(pk__gt=trail)
            .exclude(action__in=["audit_chain.checked", "approval.escalated"])
            .exists()
        )

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
    # only apmanager@ signs in with two steps: its code from the printed secret
    apmanager = BrowserClient(HTTP_HOST="acme.localhost")
    apmanager.post("/login/", {"username": "apmanager@acme.example", "password": "demo-pass-2026"})
    assert apmanager.get("/payments/")["Location"].startswith("/account/verify/")
    code = pyotp.TOTP(DEMO_TOTP_SECRETS["apmanager@acme.example"]).now()
    assert apmanager.post("/account/verify/", {"code": code}).status_code == 302
    assert apmanager.get("/payments/").status_code == 200
    partner = BrowserClient(HTTP_HOST="localhost")
    assert (
        partner.post(
            "/login/", {"username": "partner@northwind.example", "password": "demo-pass-2026"}
        ).status_code
        == 302
    )
    # the demo's partner people have authenticators with printed secrets: a script types the code
    asked = partner.get("/partner/")
    assert asked.status_code == 302 and asked["Location"].startswith("/account/verify/")
    secret = DEMO_TOTP_SECRETS["partner@northwind.example"]
    code = pyotp.TOTP(secret).now()
    assert partner.post("/account/verify/", {"code": code}).status_code == 302
    console = partner.get("/partner/").content.decode()
    assert "Acme Corporation" in console and "Globex Industries" in console


def _suppliers_named_are_selectable() -> None:
    """The suppliers the demo's requisitions and the sourcing page name may be bought from,
    and the badge tells the sanctioned and the onboarding ones apart."""
    from apps.procurement.models import Requisition
    from apps.suppliers.models import Supplier
    from apps.suppliers.selectors import suppliers_selectable

    named = set(Requisition.objects.exclude(supplier=None).values_list("supplier", flat=True))
    selectable = set(suppliers_selectable().values_list("pk", flat=True))
    assert named and named <= selectable
    badges = dict(Supplier.objects.values_list("name", "compliance"))
    assert badges["Contoso Office Supply"] == "compliant"
    assert badges["Banco Nacional de Kuba S.A."] == "non_compliant"
    assert badges["Litware Consulting Ltd"] == "non_compliant"


def _history_looks_real() -> None:
    """Three months of activity in the past, in order: queues with real ages, payments made
    weeks ago, last month's control report with figures, the trail's times rising with its ids."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.assurance.models import ComplianceReport
    from apps.audit.models import AuditEvent
    from apps.invoices.models import Invoice, InvoiceException
    from apps.payments.models import PaymentRun
    from apps.procurement.models import GoodsReceipt, Requisition

    now = timezone.now()
    created = sorted(Requisition.objects.values_list("created_at", flat=True))
    # the newest within the last working days (on a Monday, the weekend's work was Friday's)
    assert now - created[0] > timedelta(days=60) and now - created[-1] < timedelta(days=4)
    submitted = Requisition.objects.exclude(submitted_at=None).values_list(
        "created_at", "submitted_at"
    )
    assert submitted and all(c <= s < now for c, s in submitted)
    assert GoodsReceipt.objects.filter(received_at__lt=now - timedelta(days=30)).exists()
    oldest_open = InvoiceException.objects.filter(status="open").order_by("created_at").first()
    assert oldest_open is not None and now - oldest_open.created_at > timedelta(days=14)
    assert InvoiceException.objects.filter(status="open", due_at__lt=now).exists()  # SLA breached
    paid = PaymentRun.objects.filter(status="paid").first()
    assert paid is not None and now - paid.paid_at > timedelta(days=20)
    assert Invoice.objects.filter(status="paid").count() >= 2
    proposed = PaymentRun.objects.filter(status="proposed")
    assert proposed.exists()
    # the README's run for apmanager@ to release: nothing in it that they decided themselves
    from apps.accounts.models import User
    from apps.payments.sod import sod_conflicts

    apmanager = User.objects.get(email="apmanager@acme.example")
    assert [sod_conflicts(apmanager, run) for run in proposed] == [[]] * proposed.count()
    report = ComplianceReport.objects.get(trigger="monthly")
    figures = report.figures
    assert figures["approvals"]["inside_policy"] > 0
    assert sum(row["open"] for row in figures["exceptions"]["open_at_end"].values()) > 0
    times = list(AuditEvent.objects.order_by("id").values_list("at", flat=True))
    assert times == sorted(times), "the trail's times must rise with its ids"
    assert now - times[0] > timedelta(days=85)


def _contracts_tell_their_story() -> None:
    """Issue 20's demo: Contoso's catalog bought on contract, a purchase around the contract
    routed to the buyer, Fabrikam's contract ending (the buyer told), and an invoice above the
    contracted price in the price-variance queue naming the contract."""
    from datetime import timedelta
    from decimal import Decimal

    from apps.contracts.models import CatalogItem, Contract
    from apps.invoices.models import Invoice
    from apps.procurement.models import Requisition
    from apps.workflow.models import ApprovalTask, Notification

    contoso, fabrikam = (
        Contract.objects.get(number="CT-2026-001"),
        Contract.objects.get(number="CT-2025-014"),
    )
    assert contoso.status == fabrikam.status == "active" and contoso.document_sha256
    assert CatalogItem.objects.filter(contract=contoso, description__icontains="toner").exists()
    assert (fabrikam.ends_on - timezone.localdate()).days == 20
    assert Notification.objects.filter(
        user__email="buyer@acme.example", kind="contract.expiring", subject_id=str(fabrikam.pk)
    ).exists()
    on = Requisition.objects.get(title="Toner and paper for the second floor")
    assert on.on_contract and on.status == "ordered" and on.contract == contoso
    around = Requisition.objects.get(title="Toner from the shop around the corner")
    assert around.maverick and around.status == "pending_approval"
    assert ApprovalTask.objects.filter(
        subject_id=str(around.pk), assignee__email="buyer@acme.example", status="open"
    ).exists()
    invoice = Invoice.objects.get(invoice_number="CON-88412")
    exception = invoice.exceptions.get(code="price_variance")
    assert exception.status == "open" and "CT-2026-001" in exception.detail
    assert contoso.committed > 0 and fabrikam.committed > 0
    # as docs/contracts.md tells it: the contract registered before the toner requisition, so
    # the buyer who sourced it from Contoso bought it on contract
    sourced = Requisition.objects.get(title="Toner for every floor")
    assert contoso.created_at < sourced.created_at
    assert sourced.status == "ordered" and sourced.on_contract and sourced.contract == contoso
    assert not sourced.maverick
    # a purchase bought around the contract and ordered: the maverick figure is not 0.00
    around_ordered = Requisition.objects.get(title="Batteries from the office store")
    assert around_ordered.maverick and around_ordered.status == "ordered"
    from apps.procurement.selectors import contract_spend_figures

    today = timezone.localdate()
    figures = contract_spend_figures(since=today - timedelta(days=365), until=today)
    usd = figures["totals"]["USD"]
    assert usd["maverick"] == around_ordered.entity_total == Decimal("189.00")
    assert usd["on_contract"] >= sourced.entity_total + on.entity_total


def test_the_demo_clock_keeps_each_story_in_order() -> None:
    """Steps run in time order, each after the one before (the trail's times rise), whatever
    the day of the week today is."""
    from datetime import UTC, datetime

    from apps.demo.clock import Timeline

    for day in range(21, 28):  # a week of possible todays
        timeline = Timeline(now=datetime(2026, 11, day, 8, 0, tzinfo=UTC))
        seen: list[tuple[str, datetime]] = []

        def step(name: str, seen: list[tuple[str, datetime]] = seen) -> Any:
            return lambda: seen.append((name, timezone.now()))

        timeline.at(3, step("invite"), hour=9)
        timeline.at(2, step("profile"), hour=11)
        timeline.at(1, step("submit"), hour=10)
        timeline.at(1, step("same moment, registered later"), hour=10)
        timeline.at(0, step("clamped to a minute ago"), hour=23)
        timeline.run()
        assert [name for name, _at in seen] == [
            "invite",
            "profile",
            "submit",
            "same moment, registered later",
            "clamped to a minute ago",
        ]
        times = [at for _name, at in seen]
        assert times == sorted(times) and len(set(times)) == len(times)
