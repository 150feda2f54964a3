"""Document expiry: alerts 30, 14 and 7 days ahead, each once across repeated runs (frozen
clock), non-compliance on expiry, and the policy's hold on new orders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from apps.demo.suppliers import pdf_bytes
from apps.events.models import OutboxEvent
from apps.suppliers.models import DocumentAlert, Supplier, SupplierDocument
from apps.suppliers.services.checks import supplier_checks_run
from apps.suppliers.services.documents import document_upload
from apps.suppliers.services.renewals import document_renewal_alerts
from apps.workflow.models import Notification
from tests.org import requisition_body
from tests.suppliers.conftest import invite

TODAY = date.today()


def _approved_with_insurance(sorg: Any, expires_in: int) -> tuple[Supplier, SupplierDocument]:
    supplier = invite(sorg, "Fabrikam Guards", country="US", category="FAC", tax_id="04-2103594")
    Supplier.objects.filter(pk=supplier.pk).update(status=Supplier.Status.APPROVED)
    with transaction.atomic():
        document = document_upload(
            actor=sorg.buyer,
            supplier_id=supplier.pk,
            doc_type="insurance_certificate",
            upload=SimpleUploadedFile("coi.pdf", pdf_bytes()),
            expires_on=TODAY + timedelta(days=expires_in),
        )
        document_upload(
            actor=sorg.buyer,
            supplier_id=supplier.pk,
            doc_type="w9",
            upload=SimpleUploadedFile("w9.pdf", pdf_bytes()),
        )
    supplier_checks_run(supplier_id=supplier.pk)
    supplier.refresh_from_db()
    return supplier, document


def test_each_alert_exactly_once_across_runs(
    sorg: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier, document = _approved_with_insurance(sorg, expires_in=40)
        mail.outbox.clear()
        # a frozen clock walked day by day up to the expiry, with the job run twice a day
        for offset in range(0, 41):
            for _run in range(2):
                with django_capture_on_commit_callbacks(execute=True):
                    document_renewal_alerts(today=TODAY + timedelta(days=offset))
        sent = sorted(
            DocumentAlert.objects.filter(document=document, sent=True).values_list(
                "days_before", flat=True
            )
        )
        assert sent == [0, 7, 14, 30]
        events = OutboxEvent.objects.filter(event_type="supplier.document_expiring")
        assert sorted(e.payload["days_left"] for e in events) == [7, 14, 30]
        notices = Notification.objects.filter(user=sorg.buyer, kind="supplier.document_expiring")
        assert notices.count() == 3
        assert [m.to for m in mail.outbox] == [[supplier.email]] * 3
        assert "30 days" in mail.outbox[0].subject
        supplier.refresh_from_db()
        assert supplier.compliance == Supplier.Compliance.NON_COMPLIANT


def test_a_late_upload_gets_only_the_nearest_alert(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        _supplier, document = _approved_with_insurance(sorg, expires_in=10)
        for _run in range(3):
            document_renewal_alerts(today=TODAY)
        alerts = dict(
            DocumentAlert.objects.filter(document=document).values_list("days_before", "sent")
        )
        assert alerts == {30: False, 14: True}
        assert OutboxEvent.objects.filter(event_type="supplier.document_expiring").count() == 1


def test_expiry_makes_the_supplier_non_compliant_and_renewal_restores_it(
    sorg: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier, document = _approved_with_insurance(sorg, expires_in=5)
        assert supplier.compliance == Supplier.Compliance.COMPLIANT
        document_renewal_alerts(today=TODAY + timedelta(days=5))
        supplier.refresh_from_db()
        document.refresh_from_db()
        assert document.status == SupplierDocument.Status.EXPIRED
        assert supplier.compliance == Supplier.Compliance.NON_COMPLIANT
    # the default policy blocks new orders to a non-compliant supplier
    refused = api_for(sorg.tenant, sorg.org.requester).post(
        "/api/v1/requisitions/", requisition_body(supplier=str(supplier.pk)), format="json"
    )
    assert refused.status_code == 201
    submit = api_for(sorg.tenant, sorg.org.requester).post(
        f"/api/v1/requisitions/{refused.json()['id']}/submit/", format="json"
    )
    assert submit.status_code == 409
    assert submit.json()["code"] == "supplier_not_selectable"
    assert (
        "is non-compliant: a required document is missing or expired" in (submit.json()["detail"])
    )
    with in_tenant(sorg.tenant):
        with transaction.atomic():
            document_upload(
                actor=sorg.buyer,
                supplier_id=supplier.pk,
                doc_type="insurance_certificate",
                upload=SimpleUploadedFile("coi-2027.pdf", pdf_bytes()),
                expires_on=TODAY + timedelta(days=365),
            )
        supplier_checks_run(supplier_id=supplier.pk)
        supplier.refresh_from_db()
        assert supplier.compliance == Supplier.Compliance.COMPLIANT
        history = list(
            SupplierDocument.objects.filter(supplier=supplier, doc_type="insurance_certificate")
            .order_by("version")
            .values_list("status", flat=True)
        )
        assert history == ["superseded", "current"]


def test_policy_conditions_can_read_supplier_compliance(sorg: Any, in_tenant: Any) -> None:
    from apps.procurement.selectors import requisition_route_inputs
    from apps.procurement.services.requisitions import requisition_create

    with in_tenant(sorg.tenant):
        supplier, _document = _approved_with_insurance(sorg, expires_in=5)
        requisition = requisition_create(
            actor=sorg.org.requester, data={**requisition_body(), "supplier": supplier.pk}
        )
        facts = requisition_route_inputs(requisition, on=TODAY).facts
        assert facts["supplier"]["compliant"] is True
        document_renewal_alerts(today=TODAY + timedelta(days=5))
        requisition.supplier.refresh_from_db()
        assert (
            requisition_route_inputs(requisition, on=TODAY).facts["supplier"]["compliant"] is False
        )
