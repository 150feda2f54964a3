"""What the work in progress tells its trace: the business numbers a service acts on, as
attributes of the current span (docs/operations.md, "Tracing"). The one door from the domain
to OpenTelemetry; its API only: set up (or not) by config/tracing.py. With tracing off, or
this work not sampled, there is no recording span and each call returns at once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import trace

Value = str | int | float | bool | Sequence[str]


def _kept(attributes: Mapping[str, Value | None]) -> dict[str, Value]:
    return {key: value for key, value in attributes.items() if value not in (None, "")}


def span_note(attributes: Mapping[str, Value | None]) -> None:
    """Set these attributes on the current span (empty values are left out)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes(_kept(attributes))


def span_event(name: str, attributes: Mapping[str, Value | None]) -> None:
    """Add a timed event to the current span (an audit event written, for instance)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event(name, _kept(attributes))


@contextmanager
def span_opened(name: str, attributes: Mapping[str, Value | None]) -> Iterator[None]:
    """A child span of the current one around a step (one webhook send); none when the work
    around it is not traced."""
    if not trace.get_current_span().is_recording():
        yield
        return
    with trace.get_tracer("spendgate").start_as_current_span(name, attributes=_kept(attributes)):
        yield
