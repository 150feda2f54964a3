"""An endpoint limited to legal entities (one ERP per entity) hears only of their documents,
and of what concerns the whole tenant (suppliers); never of another entity's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from apps.events.models import OutboxEvent
from apps.integrations.models import WebhookDelivery
from apps.integrations.services.endpoints import endpoint_create
from apps.integrations.webhooks.delivery import fan_out
from tests.invoices.conftest import make_order

pytestmark = pytest.mark.django_db
PUBLIC = "https://93.184.216.34/hooks"


def _event(kind: str, subject_type: str, subject_id: Any) -> OutboxEvent:
    return OutboxEvent.objects.create(
        event_type=kind, subject_type=subject_type, subject_id=str(subject_id), payload={}
    )


def test_an_endpoint_limited_to_an_entity_hears_only_of_it(aporg: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant), transaction.atomic():
        us, _secret = endpoint_create(
            actor=aporg.org.admin, data={"url": PUBLIC, "legal_entities": ["us01"]}
        )
        everything, _secret = endpoint_create(actor=aporg.org.admin, data={"url": PUBLIC})
        german = make_order(aporg, [("Desk", "1", "300.00")])
        american = make_order(aporg, [("Desk", "1", "300.00")], entity="US01", currency="USD")
        events = [
            _event("purchase_order.issued", "purchase_order", german.pk),
            _event("purchase_order.issued", "purchase_order", american.pk),
            _event("requisition.approved", "requisition", german.requisition_id),
            _event("requisition.approved", "requisition", american.requisition_id),
            _event("supplier.approved", "supplier", aporg.supplier.pk),
        ]
        fan_out(events)
        heard = set(WebhookDelivery.objects.filter(endpoint=us).values_list("event_id", flat=True))
        assert heard == {events[1].pk, events[3].pk, events[4].pk}
        assert WebhookDelivery.objects.filter(endpoint=everything).count() == 5
        assert us.legal_entities == ["US01"]


def test_an_unknown_legal_entity_is_refused(aporg: Any, api_for: Any) -> None:
    refused = api_for(aporg.tenant, aporg.org.admin).post(
        "/api/v1/webhook-endpoints/",
        {"url": PUBLIC, "legal_entities": ["XX99"]},
        format="json",
    )
    assert refused.status_code == 422 and "XX99" in refused.json()["errors"]["legal_entities"][0]
