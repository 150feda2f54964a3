"""Traces (OpenTelemetry): one trace follows a request into the Celery tasks it queues and the
webhook deliveries they send (docs/operations.md, "Tracing").

Off unless configured: `OTEL_TRACES_EXPORTER` (otlp, console), `OTEL_EXPORTER_OTLP_ENDPOINT`
(otlp), or the demo's `SPENDGATE_TRACE_FILE` (one JSON span per line). Off, nothing is
installed: no provider, no instrumentation; only `add_trace_ids` runs, finding no span.
Sampling is the standard `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` (default: parent
based, always on).

Each process starts it once: config/wsgi.py and config/asgi.py (runserver loads wsgi.py), each
Celery worker process after the fork (worker_process_init) and beat (beat_init), both in
config/celery.py. The domain reaches the current span only through apps.controls.spans.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from opentelemetry import trace

SERVICE = "spendgate"
# the request's static files and favicon are not worth a trace each
EXCLUDED_URLS = "/static/,/media/,/favicon.ico"
_started_in: int | None = None  # the process that started tracing (a fork starts its own)


def exporters_wanted(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters the environment asks for: `otlp`, `console`, `file`; none: tracing is
    off."""
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return []
    names = [n.strip() for n in environ.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if not names and (
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        names = ["otlp"]
    names = [n for n in names if n != "none"]
    if environ.get("SPENDGATE_TRACE_FILE"):
        names.append("file")
    return names


def start_tracing(process: str) -> bool:
    """Set up the tracer provider and the instrumentations for this process (`web`, `worker`,
    `beat`) when the environment asks for traces; once per process. True when tracing is on."""
    global _started_in
    if _started_in == os.getpid():
        return True
    exporters = exporters_wanted()
    if not exporters:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    attributes: dict[str, Any] = {"spendgate.process": process}
    if not os.environ.get("OTEL_SERVICE_NAME") and "service.name=" not in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    ):
        attributes["service.name"] = f"{SERVICE}-{process}"
    # the sampler is the SDK's reading of OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
    provider = TracerProvider(resource=Resource.create(attributes))
    for name in exporters:
        provider.add_span_processor(_processor(name))
    trace.set_tracer_provider(provider)
    _instrument()
    _started_in = os.getpid()
    return True


def _processor(name: str) -> Any:
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
        SpanExporter,
    )

    if name == "otlp":  # endpoint, headers, timeout: the OTEL_EXPORTER_OTLP_* variables
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return BatchSpanProcessor(OTLPSpanExporter())
    # the local ones write each span as it ends: a process stopped by a signal loses none
    if name == "console":
        return SimpleSpanProcessor(ConsoleSpanExporter(formatter=lambda s: span_line(s) + "\n"))
    if name == "file":
        to_file = JsonLinesExporter(Path(os.environ["SPENDGATE_TRACE_FILE"]))
        return SimpleSpanProcessor(cast("SpanExporter", to_file))
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"OTEL_TRACES_EXPORTER: {name!r} is not one of otlp, console, none")


def _instrument() -> None:
    from celery import signals
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    os.environ.setdefault("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", EXCLUDED_URLS)
    # puts its middleware first in MIDDLEWARE: call before the handler loads the middleware
    DjangoInstrumentor().instrument(response_hook=_request_attributes)
    PsycopgInstrumentor().instrument(enable_commenter=False)
    RedisInstrumentor().instrument()
    RequestsInstrumentor().instrument()
    signals.before_task_publish.connect(_task_known, weak=False)  # before the instrumentation's
    CeleryInstrumentor().instrument()
    # after the instrumentation's own handlers: its span is current when these run
    signals.before_task_publish.connect(_carry_request_id, weak=False)
    signals.task_prerun.connect(_task_attributes, weak=False)


# --------------------------------------------------------------------------- attributes
TENANT = "spendgate.tenant"
REQUEST_ID = "spendgate.request_id"
TASK_REQUEST_ID_HEADER = "spendgate_request_id"


def _request_attributes(span: Any, request: Any, response: Any) -> None:
    """The request's tenant (its schema) and request id, on its server span."""
    if span is None or not span.is_recording():
        return
    schema = getattr(getattr(request, "tenant", None), "schema_name", None)
    if schema:
        span.set_attribute(TENANT, schema)
    request_id = getattr(request, "request_id", None)
    if request_id:
        span.set_attribute(REQUEST_ID, request_id)


def _task_known(sender: str | None = None, **_: Any) -> None:
    """The Celery instrumentation ends a send's span only for a task this process knows; a web
    process sends by name (apps.tenancy.background) and may not have imported the task's
    module yet, so the first send imports them all."""
    from celery import current_app

    if sender and sender not in current_app.tasks:
        current_app.loader.import_default_modules()


def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """A task sent during a request carries its request id (the tenant rides on
    tenant-schemas-celery's own header)."""
    from apps.audit.context import current_request_id

    request_id = current_request_id()
    if headers is not None and request_id:
        headers[TASK_REQUEST_ID_HEADER] = request_id


def _task_attributes(task: Any = None, **_: Any) -> None:
    """The tenant a task runs in, and the request that queued it, on the task's span."""
    span = trace.get_current_span()
    if task is None or not span.is_recording():
        return
    from tenant_schemas_celery.app import get_schema_name_from_task

    schema = get_schema_name_from_task(task, {})
    headers = task.request.headers or {}
    request_id = headers.get(TASK_REQUEST_ID_HEADER) or task.request.get(TASK_REQUEST_ID_HEADER)
    for key, value in ((TENANT, schema), (REQUEST_ID, request_id)):
        if value:
            span.set_attribute(key, value)


# --------------------------------------------------------------------------- logs
def add_trace_ids(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the current span's trace and span ids on the log line."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


# --------------------------------------------------------------------------- the demo's file
def span_line(span: Any) -> str:
    """One span as one JSON line a person can read (and `jq` can filter)."""
    context = span.get_span_context()
    started, ended = span.start_time or 0, span.end_time or span.start_time or 0
    line = {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name,
        "kind": span.kind.name.lower(),
        "service": span.resource.attributes.get("service.name"),
        "start": datetime.fromtimestamp(started / 1e9, UTC).isoformat(timespec="microseconds"),
        "duration_ms": round((ended - started) / 1e6, 3),
        "status": span.status.status_code.name.lower(),
        "attributes": _plain(span.attributes),
    }
    if span.events:
        line["events"] = [{"name": e.name, **_plain(e.attributes)} for e in span.events]
    return json.dumps(line, ensure_ascii=False, default=str)


def _plain(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        key: list(value) if isinstance(value, Sequence) and not isinstance(value, str) else value
        for key, value in (attributes or {}).items()
    }


class JsonLinesExporter:
    """Appends each span to a file, one JSON object per line. Web, workers and beat may share
    the file: each span is one `write` to a file opened for appending."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path

    def export(self, spans: Sequence[Any]) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        data = "".join(span_line(span) + "\n" for span in spans).encode()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, data)
        finally:
            os.close(descriptor)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
