"""The demo reads like a company (issue 34): people in several departments buying each
category from its supplier with real reasons, in office hours, under a policy published before
the decisions it governs; the README's example invoice goes through touchlessly; the evidence
pack form finds what a business number belongs to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.demo.clock import WORK_END, WORK_START, Timeline, working_time
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "lucerne-touchless.xml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_data: Any) -> Any:
    from apps.tenancy.models import Client

    return Client.objects.get(slug="tenanta")


def test_several_people_in_several_departments_ask(demo: Any, in_tenant: Any) -> None:
    from apps.procurement.models import Requisition

    with in_tenant(demo):
        asked = set(Requisition.objects.values_list("requester__email", "cost_center__code"))
        justifications = list(Requisition.objects.values_list("justification", flat=True))
    requesters = {email for email, _cc in asked}
    assert len(requesters) >= 6, requesters
    assert len({cc for _email, cc in asked}) >= 3
    assert "requester@tenanta.example" in requesters  # the contract's user still asks
    assert "Demo activity" not in justifications
    assert all(len(text.split()) >= 4 for text in justifications), justifications


def test_every_order_goes_to_the_supplier_of_its_category(demo: Any, in_tenant: Any) -> None:
    from apps.demo.suppliers import CATEGORY_SUPPLIERS
    from apps.procurement.models import PurchaseOrder

    with in_tenant(demo):
        orders = list(
            PurchaseOrder.objects.values_list(
                "number",
                "supplier__name",
                "supplier__category",
                "requisition__spend_category__code",
            )
        )
    assert len(orders) >= 20
    for number, supplier, sells, category in orders:
        assert sells == category, f"{number}: {category} bought from {supplier}"
        assert CATEGORY_SUPPLIERS[category] == supplier, number
    assert len({supplier for _n, supplier, _s, _c in orders}) == 5
    with in_tenant(demo):
        from apps.suppliers.models import Supplier, SupplierDocument

        for supplier in Supplier.objects.filter(status="approved"):
            held = SupplierDocument.objects.filter(supplier=supplier).count()
            assert held >= 3, f"{supplier.name} holds {held} documents"


def _in_office_hours(at: Any) -> bool:
    local = timezone.localtime(at)
    hour = local.hour + local.minute / 60
    return local.weekday() < 5 and WORK_START <= hour < WORK_END + 0.5


def test_people_decide_in_office_hours_under_a_policy_already_published(
    demo: Any, in_tenant: Any
) -> None:
    from apps.audit.models import AuditEvent
    from apps.invoices.models import InvoiceException
    from apps.policies.models import PolicyVersion
    from apps.procurement.models import Requisition
    from apps.workflow.models import ApprovalTask

    with in_tenant(demo):
        decided = list(
            ApprovalTask.objects.filter(
                status__in=["approved", "rejected", "delegated"], decided_at__isnull=False
            ).values_list("decided_at", flat=True)
        )
        resolved = list(
            InvoiceException.objects.exclude(resolved_by=None).values_list("resolved_at", flat=True)
        )
        submitted = list(
            Requisition.objects.exclude(submitted_at=None).values_list("submitted_at", flat=True)
        )
        v1 = PolicyVersion.objects.get(number=1)
        governed = list(
            AuditEvent.objects.filter(policy_version=v1.label)
            .exclude(action="policy.published")
            .values_list("at", flat=True)
        )
    assert len(decided) >= 10 and resolved
    late = [t for t in decided + resolved + submitted if not _in_office_hours(t)]
    assert not late, [timezone.localtime(t).strftime("%a %H:%M") for t in late]
    # spread through the day, not all at one hour
    assert len({timezone.localtime(t).hour for t in decided}) >= 5
    assert v1.published_at is not None
    assert v1.published_at < min(decided) and (not governed or v1.published_at < min(governed))


def test_the_clock_puts_every_step_in_office_hours() -> None:
    from datetime import UTC, date, datetime

    for day in range(1, 8):  # Monday 2026-06-01 … Sunday 2026-06-07
        for hour in (7, 9.5, 13, 16, 19):
            worked_on, at = working_time(date(2026, 6, day), hour)
            assert worked_on.weekday() < 5 and WORK_START <= at <= WORK_END
    # a weekend's steps come after Friday's own, in order
    friday, saturday, sunday = (working_time(date(2026, 6, d), 16) for d in (5, 6, 7))
    assert friday < saturday < sunday and {d for d, _h in (friday, saturday, sunday)} == {
        date(2026, 6, 5)
    }
    timeline = Timeline(now=datetime(2026, 6, 8, 12, 0, tzinfo=UTC))  # a Monday
    assert timeline.moment(1, hour=10).weekday() == 4  # Sunday's step: on the Friday


def test_the_readme_example_invoice_goes_through_touchlessly(
    demo: Any, in_tenant: Any, api_for: Any
) -> None:
    """docs/examples/lucerne-touchless.xml quotes the demo's received, uninvoiced order;
    imported through the API as the README does, it matches and is approved untouched."""
    from apps.accounts.models import User
    from apps.matching.services.outcome import invoices_match
    from apps.procurement.models import PurchaseOrder

    xml = EXAMPLE.read_text()
    with in_tenant(demo):
        order = PurchaseOrder.objects.get(number="PO-US01-000029")
        assert order.status == "received" and not order.invoices.exists()
        assert order.supplier is not None and order.supplier.name == "Lucerne Publishing"
        clerk = User.objects.get(email="ap@tenanta.example")
    assert "<cbc:ID>PO-US01-000029</cbc:ID>" in xml
    api = api_for(demo, clerk)
    with EXAMPLE.open("rb") as file:
        answer = api.post("/api/v1/invoices/import/", {"file": file}, format="multipart")
    assert answer.status_code == 201, answer.content
    invoice_id = answer.json()["id"]
    with in_tenant(demo):
        invoices_match(invoice_ids=[invoice_id])  # the worker's job
    invoice = api.get(f"/api/v1/invoices/{invoice_id}/").json()
    assert invoice["exceptions"] == []
    assert (invoice["invoice_number"], invoice["status"], invoice["touchless"]) == (
        "LP-2026-0311",
        "approved",
        True,
    ), invoice


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("REQ-000001", "requisition"),
        ("po-us01-000029", "purchase_order"),
        ("INV-7006", "invoice"),
        ("Contoso Office Supply", "supplier"),
    ],
)
def test_the_pack_form_finds_what_a_number_belongs_to(
    demo: Any, in_tenant: Any, api_for: Any, number: str, kind: str
) -> None:
    from apps.accounts.models import User
    from apps.assurance.models import EvidencePack

    web = api_for(demo)
    with in_tenant(demo):
        web.force_login(User.objects.get(email="auditor@tenanta.example"))
    page = web.get("/audit/").content.decode()
    form = page.split('action="/audit/packs/"')[1].split("</form>")[0]
    assert "subject_type" not in form and 'name="subject"' in form  # the number tells the kind
    answer = web.post("/audit/packs/", {"subject": number}, follow=True)
    assert answer.status_code == 200
    assert f"The evidence pack for {number} is being prepared" in answer.content.decode()
    with in_tenant(demo):
        pack = EvidencePack.objects.order_by("-requested_at").first()
        assert pack is not None and pack.subject_type == kind


def test_the_pack_form_says_when_no_record_has_the_number(
    demo: Any, in_tenant: Any, api_for: Any
) -> None:
    from apps.accounts.models import User
    from apps.assurance.models import EvidencePack

    web = api_for(demo)
    with in_tenant(demo):
        web.force_login(User.objects.get(email="auditor@tenanta.example"))
        packs = EvidencePack.objects.count()
    answer = web.post("/audit/packs/", {"subject": "PO-US01-999999"}, follow=True)
    text = answer.content.decode()
    assert "Nothing is numbered “PO-US01-999999”" in text
    with in_tenant(demo):
        assert EvidencePack.objects.count() == packs


def test_demo_requesters_sign_in(demo: Any, api_for: Any) -> None:
    from apps.demo.tenants import DEMO_REQUESTERS

    for local, *_ in DEMO_REQUESTERS:
        api = api_for(demo)
        answer = api.post(
            "/api/v1/auth/token/",
            {"username": f"{local}@tenanta.example", "password": PASSWORD},
            format="json",
        )
        assert answer.status_code == 200, local
