"""One trace from a request to the webhook it causes, across real processes: a requisition
submitted to a real HTTP server (runserver, as `make demo` runs it) commits its event, the
commit queues the outbox dispatch on the broker, a real Celery worker runs it and delivers the
webhook to a real receiver. Server and worker each export their spans to a file
(SPENDGATE_TRACE_FILE, the demo's exporter), read back here: the only link between the two
processes is what travels with the task message and the HTTP request."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from tests.conftest import (
    PASSWORD,
    ROOT,
    celery_worker,
    free_port,
    poll,
    subprocess_env,
    wait_for_port,
)
from tests.integrations.conftest import Receiver
from tests.org import requester_draft_over_http

SUBMIT_ROUTE = "api/v1/requisitions/(?P<pk>[^/.]+)/submit/$"  # the router's pattern
DISPATCH = "apps.integrations.tasks.dispatch_outbox"


def spans_in(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def log_lines(path: Path) -> list[dict[str, Any]]:
    found = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


@pytest.fixture
def traced_processes(tmp_path: Path, django_db_setup: None) -> Iterator[dict[str, Any]]:
    """A traced server and a traced worker, each with its own trace file and log file."""
    files = {
        name: tmp_path / name for name in ("web.jsonl", "worker.jsonl", "web.log", "worker.log")
    }
    port = free_port()
    with files["web.log"].open("wb") as web_log, files["worker.log"].open("wb") as worker_log:
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}",
             "--noreload"],
            env={**subprocess_env(), "SPENDGATE_TRACE_FILE": str(files["web.jsonl"]),
                 "LOG_LEVEL": "INFO"},
            stdout=subprocess.DEVNULL,
            stderr=web_log,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for_port(port, server)
            with celery_worker(
                stderr=worker_log,
                SPENDGATE_TRACE_FILE=str(files["worker.jsonl"]),
                LOG_LEVEL="INFO",
                WEBHOOK_ALLOW_LOOPBACK="true",
            ):
                yield {"base": f"http://127.0.0.1:{port}", **files}
        finally:
            server.terminate()
            server.wait(10)


def test_a_submission_its_task_and_its_webhook_are_one_trace(
    committed_org: dict[str, Any],
    django_db_blocker: Any,
    receiver: Receiver,
    traced_processes: dict[str, Any],
) -> None:
    from apps.accounts.services import user_ensure
    from apps.integrations.services.endpoints import endpoint_create
    from apps.tenancy.context import tenant_context

    tenant = committed_org["tenant"]
    with django_db_blocker.unblock(), tenant_context(tenant):
        admin = user_ensure(email="trace-admin@x.test", password=PASSWORD, roles=["tenant_admin"])
        with override_settings(WEBHOOK_ALLOW_LOOPBACK=True), transaction.atomic():
            endpoint_create(
                actor=admin, data={"url": receiver.url, "event_types": ["requisition.submitted"]}
            )
    base = traced_processes["base"]
    session, draft = requester_draft_over_http(base, committed_org)
    request_id = f"trace-test-{uuid.uuid4().hex[:12]}"
    submitted = session.post(
        f"{base}/api/v1/requisitions/{draft['id']}/submit/",
        headers={"X-Request-ID": request_id},
        timeout=30,
    )
    assert submitted.ok, submitted.content
    poll(lambda: receiver.got, timeout=60, interval=0.1, what="the webhook to arrive")

    # the request's server span: its route, tenant, request id and the requisition's number
    web_spans = spans_in(traced_processes["web.jsonl"])
    (request_span,) = [
        s for s in web_spans if s["attributes"].get("spendgate.request_id") == request_id
    ]
    trace_id = request_span["trace_id"]
    assert request_span["kind"] == "server" and request_span["parent_id"] is None
    assert request_span["name"] == f"POST {SUBMIT_ROUTE}"
    assert request_span["attributes"]["spendgate.tenant"] == tenant.schema_name
    assert request_span["attributes"]["spendgate.requisition.number"] == draft["number"]
    assert "requisition.submitted" in [e["name"] for e in request_span["events"]]
    in_request = [s for s in web_spans if s["trace_id"] == trace_id]
    (publish,) = [s for s in in_request if s["name"] == f"apply_async/{DISPATCH}"]
    assert any(s["name"].startswith("SELECT") or s["kind"] == "client" for s in in_request)

    # the worker's spans of the same trace: the task under the request's publish, the send
    # under the task, the HTTP call under the send
    def worker_trace() -> list[dict[str, Any]]:
        spans = [s for s in spans_in(traced_processes["worker.jsonl"]) if s["trace_id"] == trace_id]
        return spans if any(s["name"] == f"run/{DISPATCH}" for s in spans) else []

    in_worker = poll(worker_trace, timeout=30, what="the worker's spans")
    (task,) = [s for s in in_worker if s["name"] == f"run/{DISPATCH}"]
    assert task["parent_id"] == publish["span_id"] and task["kind"] == "consumer"
    assert task["attributes"]["spendgate.tenant"] == tenant.schema_name
    assert task["attributes"]["spendgate.request_id"] == request_id
    (send,) = [s for s in in_worker if s["name"] == "webhook.deliver"]
    assert send["parent_id"] == task["span_id"]
    assert send["attributes"]["spendgate.event_type"] == "requisition.submitted"
    assert send["attributes"]["spendgate.requisition.number"] == draft["number"]
    (post,) = [s for s in in_worker if s["kind"] == "client" and s["name"] == "POST"]
    assert post["parent_id"] == send["span_id"]
    answered = post["attributes"]
    assert answered.get("http.response.status_code", answered.get("http.status_code")) == 200
    # and the receiver was told the trace it belongs to
    headers, _body, _path = receiver.got[0]
    assert headers["traceparent"].split("-")[1:3] == [trace_id, post["span_id"]]

    # the trace id in the log lines of the request and of the task
    web_logs = log_lines(traced_processes["web.log"])
    (request_line,) = [line for line in web_logs if line.get("request_id") == request_id]
    assert request_line["trace_id"] == trace_id
    assert request_line["span_id"] == request_span["span_id"]
    worker_logs = log_lines(traced_processes["worker.log"])
    dispatched = [line for line in worker_logs if line.get("event") == "outbox_dispatched"]
    assert trace_id in {line.get("trace_id") for line in dispatched}
