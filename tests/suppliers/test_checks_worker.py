"""The checks pipeline runs in a real Celery worker: submitting a supplier queues the checks
on commit, and the worker scores it and starts the onboarding route in the tenant's schema."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.suppliers.models import Supplier, SupplierCheck
from apps.suppliers.services.onboarding import supplier_invite, supplier_submit
from apps.tenancy.context import tenant_context
from apps.workflow.models import ApprovalRoute
from tests.conftest import poll
from tests.suppliers.conftest import complete_onboarding


def test_submit_runs_the_checks_in_the_worker_and_starts_the_route(
    committed_org: dict[str, Any], django_db_blocker: Any, celery_worker_process: None
) -> None:
    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant):
        with transaction.atomic():
            supplier = supplier_invite(
                actor=committed_org["buyer"],
                name="Northgate Components GmbH",
                email="ar@northgate.test",
                country="DE",
                category="IT-HW",
                base_url="http://x/",
            )
        user = complete_onboarding(None, supplier)
        supplier_submit(actor=user, supplier_id=supplier.pk)  # commits; the task is sent

        def routed() -> bool:
            return ApprovalRoute.objects.filter(
                subject_type="supplier", subject_id=str(supplier.pk)
            ).exists()

        poll(routed, what="the worker to start the onboarding route")
        supplier.refresh_from_db()
        assert supplier.status == Supplier.Status.PENDING_APPROVAL
        assert supplier.checked_at is not None and supplier.tax_id_valid is True
        kinds = set(SupplierCheck.objects.filter(supplier=supplier).values_list("kind", flat=True))
        assert kinds == {"tax_id", "sanctions", "documents", "bank", "risk"}
        route = ApprovalRoute.objects.get(subject_type="supplier", subject_id=str(supplier.pk))
        assert route.plan["steps"][0]["approvers"] == [committed_org["buyer"].email]
