"""The business counters of /metrics move on their events: an audit-chain check, a failed and a
locked-out sign-in, a refused ERP event (e-mail intake: tests/inbox/test_mail.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as BrowserClient
from prometheus_client import REGISTRY

from tests.conftest import host_of

pytestmark = pytest.mark.django_db


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_an_audit_chain_check_is_counted_by_result(tenant_a: Any, in_tenant: Any) -> None:
    from apps.assurance.chain_checks import audit_chain_check

    before = sample("spendgate_audit_chain_checks_total", result="valid")
    with in_tenant(tenant_a):
        assert audit_chain_check(trigger="nightly").valid
    assert sample("spendgate_audit_chain_checks_total", result="valid") == before + 1


def test_failed_and_locked_out_sign_ins_are_counted(
    tenant_a: Any, make_user: Any, settings: Any
) -> None:
    user = make_user(tenant_a, "counted", ["requester"])
    browser = BrowserClient(HTTP_HOST=host_of(tenant_a))
    failures = sample("spendgate_sign_in_failures_total")
    lockouts = sample("spendgate_sign_in_lockouts_total")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        browser.post("/login/", {"username": user.email, "password": "not the password"})
    assert sample("spendgate_sign_in_failures_total") >= failures + settings.AXES_FAILURE_LIMIT
    browser.post("/login/", {"username": user.email, "password": "not the password"})
    assert sample("spendgate_sign_in_lockouts_total") > lockouts


def test_a_refused_erp_event_is_counted(tenant_a: Any) -> None:
    before = sample("spendgate_erp_inbound_events_total", result="refused")
    answer = BrowserClient(HTTP_HOST=host_of(tenant_a)).post(
        "/api/v1/erp/events/",
        data={"type": "invoice.posted", "data": {}},
        content_type="application/json",
        HTTP_WEBHOOK_ID="msg_1",
        HTTP_WEBHOOK_TIMESTAMP="1",
        HTTP_WEBHOOK_SIGNATURE="v1,AAAA",
    )
    assert answer.status_code == 401
    assert sample("spendgate_erp_inbound_events_total", result="refused") == before + 1
