"""What the page holds after the product worked: a request by its view (never its path), the
queries it made, the outbox and the webhook endpoints across tenants, a delivery by result,
the broker's queues; and no series names a tenant."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.integrations.models import WebhookDelivery
from apps.integrations.services.endpoints import endpoint_create
from apps.integrations.tasks import dispatch_outbox
from apps.integrations.webhooks.delivery import deliver_due
from tests import world
from tests.integrations.conftest import Receiver
from tests.monitoring.scrape import scrape, value
from tests.org import Org

pytestmark = pytest.mark.django_db


def test_a_request_is_measured_by_its_view_and_status_class_never_its_path() -> None:
    before = scrape()
    invoice = uuid.uuid4()
    client = Client(HTTP_HOST="a.localhost")
    assert client.get("/login/").status_code == 200
    client.get(f"/api/v1/invoices/{invoice}/")  # refused (no token), but measured
    after = scrape()
    name = "spendgate_http_request_duration_seconds_count"
    assert (
        value(after, name, view="login", status="2xx")
        == value(before, name, view="login", status="2xx") + 1
    )
    views = {dict(labels)["view"] for (sample, labels) in after if sample == name}
    assert "invoice-detail" in views
    page = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_HOST="a.localhost").content
    assert str(invoice).encode() not in page
    queries = "spendgate_db_queries_per_request_count"
    assert value(after, queries) >= value(before, queries) + 2
    assert value(after, "spendgate_db_query_seconds_per_request_count") >= 2


def test_no_series_has_a_tenant_label_or_a_tenants_name() -> None:
    Client(HTTP_HOST="a.localhost").get("/login/")
    Client(HTTP_HOST="b.localhost").get("/login/")
    page = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_HOST="a.localhost")
    for family in text_string_to_metric_families(page.content.decode()):
        for sample in family.samples:
            assert "tenant" not in sample.labels, sample
            assert not {"tenanta", "tenantb", "a.localhost"} & set(sample.labels.values())


def test_outbox_and_endpoints_across_tenants_and_a_delivery_by_result(
    org: Org, receiver: Receiver, in_tenant: Any
) -> None:
    before = scrape()
    with in_tenant(org.tenant), transaction.atomic():
        endpoint_create(actor=org.admin, data={"url": receiver.url})
        world.pending(org.requester)  # requisition.submitted waits in the outbox
    waiting = scrape()
    assert (
        value(waiting, "spendgate_outbox_pending") >= value(before, "spendgate_outbox_pending") + 1
    )
    assert value(waiting, "spendgate_outbox_oldest_pending_age_seconds") >= 0
    assert value(waiting, "spendgate_tenant_figures_scrape_error") == 0
    receiver.answer(500)
    with in_tenant(org.tenant):
        dispatch_outbox()
    failed = scrape()
    attempts = "spendgate_webhook_delivery_attempts_total"
    assert value(failed, attempts, result="retrying") > value(before, attempts, result="retrying")
    assert value(failed, "spendgate_webhook_endpoints", state="failing") >= 1
    assert value(failed, "spendgate_outbox_pending") == value(before, "spendgate_outbox_pending")
    receiver.answer(200)
    with in_tenant(org.tenant):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        deliver_due()
    delivered = scrape()
    assert value(delivered, attempts, result="succeeded") > value(
        before, attempts, result="succeeded"
    )
    assert value(delivered, "spendgate_webhook_endpoints", state="failing") == value(
        before, "spendgate_webhook_endpoints", state="failing"
    )


def test_the_broker_queues_are_read_at_scrape_time() -> None:
    samples = scrape()
    assert value(samples, "spendgate_celery_queue_scrape_error") == 0
    queues = {
        dict(labels)["queue"]
        for (name, labels) in samples
        if name == "spendgate_celery_queue_length"
    }
    assert queues == {"default", "matching", "reports", "webhooks", "mail", "celery"}


def test_a_broker_that_does_not_answer_is_a_scrape_error_not_a_failed_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import redis

    from tests.conftest import free_port

    silent = redis.Redis(port=free_port(), socket_timeout=0.2, socket_connect_timeout=0.2)
    monkeypatch.setattr("apps.monitoring.collectors.broker_redis", lambda: silent)
    samples = scrape()
    assert value(samples, "spendgate_celery_queue_scrape_error") == 1
    assert not any(name == "spendgate_celery_queue_length" for (name, _labels) in samples)
