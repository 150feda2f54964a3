"""A tenant with reference data, an FX table and one user per role, for procurement tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from apps.demo.reference_data import demo_reference_data
from apps.organization.models import Budget, FxRate
from apps.organization.services import reference_data_ensure
from tests.conftest import PASSWORD


@dataclass
class Org:
    tenant: Any
    requester: Any
    manager: Any
    approver: Any
    finance: Any
    buyer: Any
    admin: Any
    receiver: Any


@pytest.fixture
def org(tenant_a: Any, make_user: Any, in_tenant: Any) -> Org:
    manager = make_user(tenant_a, "manager", ["manager"])
    people = Org(
        tenant=tenant_a,
        requester=make_user(tenant_a, "requester", ["requester"], manager=manager),
        manager=manager,
        approver=make_user(tenant_a, "approver", ["approver"], manager=manager),
        finance=make_user(tenant_a, "finance", ["ap_manager"]),
        buyer=make_user(tenant_a, "buyer", ["buyer"]),
        admin=make_user(tenant_a, "admin", ["tenant_admin"]),
        receiver=make_user(tenant_a, "receiver", ["receiver"]),
    )
    with in_tenant(tenant_a):
        reference_data_ensure(
            actor="system:test", **demo_reference_data(manager=manager, year=timezone.now().year)
        )
        # the rate the conversion tests reason with, in force today
        FxRate.objects.create(
            base="EUR", quote="USD", valid_on=timezone.localdate(), rate=Decimal("1.10")
        )
    return people


def requisition_body(total: str = "500.00", **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Laptops for the new hires",
        "cost_center": "CC-100",
        "spend_category": "IT-HW",
        "legal_entity": "US01",
        "currency": "USD",
        "lines": [{"description": "Laptop", "quantity": "1", "unit_price": total}],
    }
    body.update(extra)
    return body


def supplier_for(org: Org, in_tenant: Any, name: str = "Northwind Office Supply") -> str:
    """An approved supplier to order from (a requisition naming none waits for a buyer to
    choose one, tests/procurement/test_sourcing.py), by id."""
    from apps.suppliers.models import Supplier

    with in_tenant(org.tenant):
        supplier, _created = Supplier.objects.get_or_create(
            name=name,
            defaults={
                "country": "US",
                "tax_id": "",
                "email": "orders@office-supply.test",
                "status": Supplier.Status.APPROVED,
                "screening": Supplier.Screening.CLEAR,
            },
        )
    return str(supplier.pk)


def budget_of(tenant: Any, in_tenant: Any, code: str = "CC-100") -> Budget:
    with in_tenant(tenant):
        return Budget.objects.get(cost_center__code=code)


def requester_draft_over_http(
    base: str, org: dict[str, Any], total: str = "5000.00"
) -> tuple[Any, dict[str, Any]]:
    """Sign `committed_org`'s requester in to a running server at `base` with an API token
    and post a draft requisition: (the signed-in requests session, the draft's JSON)."""
    import requests

    session = requests.Session()
    session.headers["Host"] = org["host"]
    token = session.post(
        f"{base}/api/v1/auth/token/",
        json={"username": org["requester"].email, "password": PASSWORD},
        timeout=30,
    ).json()["token"]
    session.headers["Authorization"] = f"Token {token}"
    draft = session.post(
        f"{base}/api/v1/requisitions/", json=requisition_body(total=total), timeout=30
    ).json()
    return session, draft


@contextmanager
def throwaway_tenant(prefix: str) -> Iterator[Any]:
    """A client tenant provisioned (committed) for the block, its schema and row dropped after.
    The database must be unblocked (django_db_blocker.unblock())."""
    from apps.accounts.models import User
    from apps.tenancy.models import Client
    from apps.tenancy.services import tenant_provision

    slug = f"{prefix}{uuid.uuid4().hex[:8]}"
    connection.set_schema_to_public()
    partner = User.objects.get(email="partner@partner.test")
    tenant = tenant_provision(
        actor=partner, slug=slug, name=slug, domain=f"{slug}.localhost", brand={}
    )
    try:
        yield tenant
    finally:
        connection.set_schema_to_public()
        _drop_schema(slug)
        Client.objects.filter(slug=slug).delete()


@pytest.fixture
def committed_org(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """A tenant of its own with committed rows (for parallel connections and the browser),
    dropped afterwards."""
    from apps.accounts.services import user_ensure
    from apps.demo.reference_data import demo_reference_data
    from apps.organization.services import reference_data_ensure
    from apps.tenancy.context import tenant_context
    from tests.conftest import mfa_required_roles_set

    with django_db_blocker.unblock(), throwaway_tenant("conc") as tenant:
        with tenant_context(tenant):
            manager = user_ensure(email="m@x.test", password=PASSWORD, roles=["manager"])
            requester = user_ensure(
                email="r@x.test", password=PASSWORD, roles=["requester"], manager=manager
            )
            buyer = user_ensure(email="b@x.test", password=PASSWORD, roles=["buyer"])
            mfa_required_roles_set([])  # as the shared tenants: no role must enrol
            reference_data_ensure(
                actor="system:test",
                **demo_reference_data(manager=manager, year=timezone.now().year),
            )
        yield {
            "tenant": tenant,
            "manager": manager,
            "requester": requester,
            "buyer": buyer,
            "host": f"{tenant.slug}.localhost",
        }


def _drop_schema(slug: str) -> None:
    """Drop a committed test tenant's schema. A request the browser left in flight (an HTMX
    panel loading after the test's last check) can still hold a lock on one of its tables:
    PostgreSQL then picks the drop as a deadlock victim, so it is tried again once that
    request has had a moment to finish."""
    for attempt in range(10):
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{slug}" CASCADE')
            return
        except OperationalError:
            if attempt == 9:
                raise
            time.sleep(0.5)
