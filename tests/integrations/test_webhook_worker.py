"""End to end with real processes: a requisition submitted through the real HTTP server commits
its event, the commit nudges a real Celery worker (no beat running), and the worker delivers
the signed event to a real receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from standardwebhooks import Webhook

from tests.conftest import PASSWORD, celery_worker, poll
from tests.integrations.conftest import Receiver
from tests.org import requester_draft_over_http


@pytest.fixture
def webhook_worker(django_db_setup: None) -> Iterator[None]:
    """A worker that may deliver to 127.0.0.1 (the receiver), as the demo's may."""
    with celery_worker(WEBHOOK_ALLOW_LOOPBACK="true"):
        yield


def test_a_committed_request_reaches_the_receiver_through_a_real_worker(
    committed_org: dict[str, Any],
    live_server_url: str,
    django_db_blocker: Any,
    receiver: Receiver,
    webhook_worker: None,
) -> None:
    from apps.accounts.services import user_ensure
    from apps.integrations.services.endpoints import endpoint_create
    from apps.tenancy.context import tenant_context

    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        admin = user_ensure(email="hooks-admin@x.test", password=PASSWORD, roles=["tenant_admin"])
        with override_settings(WEBHOOK_ALLOW_LOOPBACK=True), transaction.atomic():
            _endpoint, secret = endpoint_create(
                actor=admin,
                data={"url": receiver.url, "event_types": ["requisition.submitted"]},
            )
    base = live_server_url.format(host="127.0.0.1")
    session, draft = requester_draft_over_http(base, committed_org)
    submitted_at = time.monotonic()
    assert session.post(f"{base}/api/v1/requisitions/{draft['id']}/submit/", timeout=30).ok
    poll(lambda: receiver.got, timeout=60, interval=0.05, what="the webhook to arrive")
    latency = time.monotonic() - submitted_at
    headers, body, _path = receiver.got[0]
    document = Webhook(secret).verify(body, headers)
    assert document["type"] == "requisition.submitted" and document["data"]["id"] == draft["id"]
    assert json.loads(body)["data"]["number"] == draft["number"]
    print(f"commit to receipt through a real worker: {latency:.2f} s")
