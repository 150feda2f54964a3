"""Which tenant is current. The only module that reads or switches the connection's schema."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from .models import Client


def tenant_connection() -> Any:
    """The default connection, typed as django-tenants' wrapper (schema_name, set_tenant…)."""
    return connection


def current_schema() -> str:
    return str(tenant_connection().schema_name)


def current_tenant() -> Client | None:
    """The client tenant of this request or task, or None on the public schema."""
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", None) == get_public_schema_name():
        return None
    return tenant if isinstance(tenant, Client) else None


def tenant_serving() -> bool:
    """Whether the current tenant's work may run now: False while it is suspended or
    offboarding (read afresh: a worker's tenant object may predate the suspension). Work on
    the public schema always runs."""
    tenant = current_tenant()
    if tenant is None:
        return True
    return Client.objects.filter(pk=tenant.pk, status=Client.Status.ACTIVE).exists()


def in_sandbox() -> bool:
    """Whether the current tenant is a sandbox: its mail is kept in the demo mail store
    (sandbox_mail.py) and its webhooks reach test receivers only."""
    tenant = current_tenant()
    return tenant is not None and tenant.is_sandbox


def tenant_zone() -> ZoneInfo:
    """The current tenant's time zone (its days, in insights' periods); UTC on the public
    schema or for a tenant row that predates the setting."""
    tenant = current_tenant()
    return ZoneInfo(getattr(tenant, "time_zone", "") or "UTC")


def tenant_today(now: datetime | None = None) -> date:
    """Today's date where the current tenant works (its time zone, not the server's): what
    falls due today, is late, or runs out, turns over at the tenant's midnight."""
    return (now or timezone.now()).astimezone(tenant_zone()).date()


def on_public_schema() -> bool:
    return current_schema() == get_public_schema_name()


@contextlib.contextmanager
def tenant_context(client: Client) -> Iterator[Client]:
    """Run the block inside one client's schema; the previous schema is restored after."""
    db = tenant_connection()
    previous = getattr(db, "tenant", None)
    db.set_tenant(client)
    try:
        yield client
    finally:
        if previous is not None and getattr(previous, "schema_name", None):
            db.set_tenant(previous)
        else:
            db.set_schema_to_public()


@contextlib.contextmanager
def schema_named(schema_name: str) -> Iterator[None]:
    """Run the block in the schema of this name (a listener that finds the tenant by its
    address knows only the schema); the previous schema is restored after."""
    with schema_context(schema_name):
        yield


@contextlib.contextmanager
def public_context() -> Iterator[None]:
    with schema_context(get_public_schema_name()):
        yield


def client_tenants() -> Iterator[Client]:
    """Each client tenant that has a schema (suspended and offboarding ones too; offboarded
    ones not), with its schema active while the caller handles it."""
    with public_context():
        clients = list(Client.objects.exclude(schema_name=get_public_schema_name()))
    for client in clients:
        with tenant_context(client):
            yield client


def run_in_schema(schema: str, work: Callable[[], object]) -> None:
    """Run `work` with `schema` as the current one; the previous schema is restored after."""
    with schema_context(schema):
        work()
