"""Renewal and expiry alerts with a frozen clock: the owner hears at the notice date and 30,
14 and 7 days before the end, each once; the end expires the contract (it stops counting as
on contract) or, with auto-renewal, runs it on for its term and the alerts are owed again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from apps.contracts.models import Contract, ContractAlert
from apps.contracts.services.renewals import contract_renewal_alerts
from apps.contracts.services.spend import ContractNotApplicable
from apps.events.models import OutboxEvent
from apps.procurement.services.requisitions import requisition_create
from apps.workflow.models import Notification
from tests.org import Org, requisition_body, supplier_for

from .conftest import days, register_contract

pytestmark = pytest.mark.django_db


def test_alerts_are_sent_once_each_and_the_end_expires_the_contract(
    org: Org, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier, ends_on=days(40), notice_days=35)
        start = days(0)
        sent = []
        with django_capture_on_commit_callbacks(execute=True):
            for offset in range(0, 42):
                counts = contract_renewal_alerts(today=start + timedelta(days=offset))
                counts_again = contract_renewal_alerts(today=start + timedelta(days=offset))
                assert not any(counts_again.values())  # the same day twice sends nothing
                if any(counts.values()):
                    sent.append((offset, counts))
        # notice date (40 - 35 = day 5), then 30, 14 and 7 days before the end, then expiry
        assert sent == [
            (5, {"alerts": 1, "expired": 0, "renewed": 0}),
            (10, {"alerts": 1, "expired": 0, "renewed": 0}),
            (26, {"alerts": 1, "expired": 0, "renewed": 0}),
            (33, {"alerts": 1, "expired": 0, "renewed": 0}),
            (41, {"alerts": 0, "expired": 1, "renewed": 0}),
        ]
        expiring = OutboxEvent.objects.filter(event_type="contract.expiring")
        assert sorted((e.payload["days_left"], e.payload["alert"]) for e in expiring) == [
            (7, "end"),
            (14, "end"),
            (30, "end"),
            (35, "notice"),
        ]
        assert OutboxEvent.objects.filter(event_type="contract.expired").count() == 1
        contract.refresh_from_db()
        assert contract.status == Contract.Status.EXPIRED
        told = Notification.objects.filter(user=org.buyer, subject_id=str(contract.pk))
        assert told.count() == 5
        assert len([m for m in mail.outbox if org.buyer.email in m.to]) == 5
        # an expired contract no longer counts as on contract
        with pytest.raises(ContractNotApplicable) as refused:
            requisition_create(
                actor=org.requester, data=requisition_body(supplier=supplier, contract=contract.pk)
            )
        assert refused.value.condition == "status"


def test_a_contract_registered_late_gets_only_the_nearest_alert(org: Org, in_tenant: Any) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier, ends_on=days(10))
        assert contract_renewal_alerts(today=days(0))["alerts"] == 1
        rows = {(a.days_before, a.sent) for a in ContractAlert.objects.filter(contract=contract)}
        assert rows == {(14, True), (30, False)}
        assert contract_renewal_alerts(today=days(3))["alerts"] == 1  # 7 days left
        assert contract_renewal_alerts(today=days(4))["alerts"] == 0


def test_auto_renewal_runs_the_contract_on_and_owes_the_alerts_again(
    org: Org, in_tenant: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(
            org.buyer, supplier, ends_on=days(5), auto_renew=True, renewal_months=12
        )
        contract_renewal_alerts(today=days(0))  # 7 days: the nearest alert
        assert contract_renewal_alerts(today=days(6)) == {"alerts": 0, "expired": 0, "renewed": 1}
        contract.refresh_from_db()
        assert contract.status == Contract.Status.ACTIVE
        assert days(300) < contract.ends_on < days(400)
        (amendment,) = contract.amendments.all()
        assert amendment.actor == "system:renewals" and "ends_on" in amendment.changes
        late = contract.ends_on - timedelta(days=7)
        assert contract_renewal_alerts(today=late)["alerts"] == 1  # owed again for the new end
