"""The request id of the work in progress, for audit events and log lines."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None) -> contextvars.Token[str]:
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


# How the chainer runs in a given schema after a commit: apps.tenancy registers it (only it
# switches schemas). Until then (a script without Django's apps ready) it runs in the current one.
_schema_runner: list[Callable[[str, Callable[[], object]], None]] = []


def register_schema_runner(runner: Callable[[str, Callable[[], object]], None]) -> None:
    _schema_runner[:] = [runner]


def in_schema(schema: str, work: Callable[[], object]) -> None:
    if _schema_runner:
        _schema_runner[0](schema, work)
    else:
        work()
