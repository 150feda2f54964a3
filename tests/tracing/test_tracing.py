"""Tracing off by default, the trace ids in log lines, and the business numbers a service puts
on the span of the work that called it (in this process, with the SDK's in-memory exporter;
tests/tracing/test_one_trace.py follows one trace across real processes)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from django.conf import settings
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from config.tracing import exporters_wanted, start_tracing
from tests.org import Org, requisition_body, supplier_for


@pytest.fixture
def tracer() -> Iterator[tuple[trace.Tracer, InMemorySpanExporter]]:
    """A tracer of a provider of its own (the process's global one stays unset)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("tests"), exporter
    provider.shutdown()


def test_tracing_is_off_unless_the_environment_asks() -> None:
    assert exporters_wanted({}) == []
    assert exporters_wanted({"OTEL_TRACES_EXPORTER": "none"}) == []
    assert exporters_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) == ["otlp"]
    assert exporters_wanted({"OTEL_TRACES_EXPORTER": "console,otlp"}) == ["console", "otlp"]
    assert exporters_wanted({"SPENDGATE_TRACE_FILE": ".data/traces.jsonl"}) == ["file"]
    assert exporters_wanted({"SPENDGATE_TRACE_FILE": "x", "OTEL_SDK_DISABLED": "true"}) == []


def test_off_nothing_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "SPENDGATE_TRACE_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert start_tracing("web") is False
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
    assert not trace.get_current_span().is_recording()
    assert not any("opentelemetry" in m for m in settings.MIDDLEWARE)
    for instrumentor in (
        DjangoInstrumentor,
        PsycopgInstrumentor,
        RedisInstrumentor,
        RequestsInstrumentor,
        CeleryInstrumentor,
    ):
        assert not instrumentor().is_instrumented_by_opentelemetry, instrumentor


def _json_log_lines(emit: Any) -> list[dict[str, Any]]:
    """What the settings' JSON formatter writes while `emit` logs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_settings = settings.LOGGING["formatters"]["json"]
    handler.setFormatter(
        formatter_settings["()"](
            processors=formatter_settings["processors"],
            foreign_pre_chain=formatter_settings["foreign_pre_chain"],
        )
    )
    logger = logging.getLogger("spendgate.tests.tracing")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        emit()
    finally:
        logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_log_lines_carry_the_trace_and_span_ids_of_the_current_span(
    tracer: tuple[trace.Tracer, InMemorySpanExporter],
) -> None:
    tracing, _exporter = tracer
    seen: list[Any] = []

    def emit() -> None:
        structlog.get_logger("spendgate.tests.tracing").info("outside")
        with tracing.start_as_current_span("work") as span:
            structlog.get_logger("spendgate.tests.tracing").info("inside")
            logging.getLogger("spendgate.tests.tracing").info("inside, the standard library's")
            seen.append(span.get_span_context())

    outside, inside, foreign = _json_log_lines(emit)
    (ids,) = seen
    assert "trace_id" not in outside
    for line in (inside, foreign):
        assert line["trace_id"] == format(ids.trace_id, "032x")
        assert line["span_id"] == format(ids.span_id, "016x")


@pytest.mark.django_db
def test_a_submission_puts_its_numbers_on_the_span_of_its_request(
    org: Org, api_for: Any, in_tenant: Any, tracer: tuple[trace.Tracer, InMemorySpanExporter]
) -> None:
    """Small and with a supplier, the requisition is ordered at once: the request's span names
    the requisition and the order it became, and each event it recorded."""
    tracing, exporter = tracer
    api = api_for(org.tenant, org.requester)
    body = requisition_body(total="800.00", supplier=supplier_for(org, in_tenant))
    draft = api.post("/api/v1/requisitions/", body, format="json").json()
    with tracing.start_as_current_span("POST submit"):
        submitted = api.post(f"/api/v1/requisitions/{draft['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "ordered"
    (span,) = exporter.get_finished_spans()
    attributes = span.attributes or {}
    assert attributes["spendgate.requisition.number"] == draft["number"]
    assert attributes["spendgate.requisition.number"].startswith("REQ-")
    assert str(attributes["spendgate.purchase_order.number"]).startswith("PO-US01-")
    events = {event.name: event.attributes or {} for event in span.events}
    assert events["requisition.submitted"]["spendgate.requisition.number"] == draft["number"]
    assert events["requisition.submitted"]["spendgate.subject_id"] == draft["id"]
    assert "purchase_order.issued" in events


@pytest.mark.django_db
def test_untraced_work_records_its_events_as_before(org: Org, api_for: Any) -> None:
    """No span (tracing off): the service neither fails nor records anything on a trace."""
    api = api_for(org.tenant, org.requester)
    draft = api.post("/api/v1/requisitions/", requisition_body(), format="json").json()
    assert api.post(f"/api/v1/requisitions/{draft['id']}/submit/").status_code == 200
    assert not trace.get_current_span().is_recording()
