"""Structured JSON logs carry tenant, user and request id; audit events carry the request id."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_request_log_line_carries_tenant_user_and_request_id(
    tenant_a: Any, make_user: Any, api_for: Any, caplog: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "requester", ["requester"]))
    with caplog.at_level(logging.INFO, logger="spendgate.request"):
        response = api.get("/api/v1/cost-centers/", HTTP_X_REQUEST_ID="req-abcdef123")
    assert response["X-Request-ID"] == "req-abcdef123"
    events = [
        r.msg for r in caplog.records if r.name == "spendgate.request" and isinstance(r.msg, dict)
    ]
    line = next(e for e in events if e.get("path") == "/api/v1/cost-centers/")
    assert line["tenant"] == "tenanta"
    assert line["user"] == "requester@tenanta.test"
    assert line["request_id"] == "req-abcdef123"
    from django.conf import settings

    formatter = logging.config.dictConfig  # noqa: F841 - settings built the formatter already
    rendered = settings.LOGGING["formatters"]["json"]["()"](
        processors=settings.LOGGING["formatters"]["json"]["processors"],
        foreign_pre_chain=settings.LOGGING["formatters"]["json"]["foreign_pre_chain"],
    ).format(next(r for r in caplog.records if r.msg is line))
    assert json.loads(rendered)["tenant"] == "tenanta"


def test_unsafe_request_ids_are_replaced(tenant_a: Any, api_for: Any) -> None:
    response = api_for(tenant_a).get("/api/v1/cost-centers/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


def test_audit_events_record_the_request_id(
    tenant_a: Any, make_user: Any, api_for: Any, in_tenant: Any
) -> None:
    api = api_for(tenant_a, make_user(tenant_a, "admin", ["tenant_admin"]))
    api.post(
        "/api/v1/users/",
        {"email": "x1@tenanta.test", "roles": ["buyer"]},
        format="json",
        HTTP_X_REQUEST_ID="invite-req-0001",
    )
    from apps.audit.models import AuditEvent

    with in_tenant(tenant_a):
        event = AuditEvent.objects.get(action="user.invited", after__email="x1@tenanta.test")
        assert event.request_id == "invite-req-0001"
        assert event.actor == "admin@tenanta.test"
