"""The figures read when Prometheus scrapes, and the page it reads them from.

Queues: one pipelined LLEN per broker queue (and its priority lists) on the broker's Redis,
with a one-second timeout. The outbox and the webhook endpoints of every tenant: one
statement, a UNION ALL of one small branch per tenant schema
(`tenancy.selectors.across_client_schemas`), each branch served by the outbox's partial
index of pending rows, with a two-second statement timeout. Read at scrape time rather than
written by a periodic task, the age of the oldest pending event keeps growing when beat or
the worker stops, which is when it matters. A failed read leaves its series out and sets its
`…_scrape_error` gauge to 1."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import redis
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from apps.events.models import OutboxEvent
from apps.integrations.models import WebhookEndpoint
from apps.telemetry.heartbeats import broker_redis
from apps.tenancy.context import public_context
from apps.tenancy.selectors import across_client_schemas

PRIORITY_SEPARATOR = "\x06\x16"  # kombu's Redis transport: a list per priority step
PRIORITY_STEPS = (3, 6, 9)
STATEMENT_TIMEOUT_MS = 2000


def queues() -> list[str]:
    """Every queue a worker consumes: the kinds of work, and the previous release's `celery`
    queue while it drains (config/queues.py)."""
    return sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)


class QueueCollector(Collector):
    def describe(self) -> list[GaugeMetricFamily]:
        return list(self.families())

    def families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "spendgate_celery_queue_length",
                "Tasks waiting in a broker queue.",
                labels=["queue"],
            ),
            GaugeMetricFamily(
                "spendgate_celery_queue_scrape_error",
                "1 when the broker's queues could not be read in this scrape.",
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        length, error = self.families()
        names = queues()
        try:
            with broker_redis().pipeline(transaction=False) as pipe:
                for name in names:
                    for key in (name, *(f"{name}{PRIORITY_SEPARATOR}{p}" for p in PRIORITY_STEPS)):
                        pipe.llen(key)
                found = pipe.execute()
        except redis.RedisError:
            error.add_metric([], 1)
            yield error
            return
        per_queue = 1 + len(PRIORITY_STEPS)
        for index, name in enumerate(names):
            length.add_metric([name], sum(found[index * per_queue : (index + 1) * per_queue]))
        error.add_metric([], 0)
        yield length
        yield error


TENANT_FIGURES = (
    "SELECT (SELECT count(*) FROM {schema}.%(outbox)s WHERE dispatched_at IS NULL), "
    "(SELECT min(created_at) FROM {schema}.%(outbox)s WHERE dispatched_at IS NULL), "
    "(SELECT count(*) FROM {schema}.%(endpoints)s WHERE enabled AND failing_since IS NOT NULL), "
    "(SELECT count(*) FROM {schema}.%(endpoints)s WHERE NOT enabled)"
)


def tenant_figures() -> list[tuple[int, float | None, int, int]]:
    """(pending outbox events, oldest pending's time, failing endpoints, disabled endpoints)
    of each client tenant, in one statement."""
    select = TENANT_FIGURES % {
        "outbox": OutboxEvent._meta.db_table,
        "endpoints": WebhookEndpoint._meta.db_table,
    }
    with public_context(), transaction.atomic(), connection.cursor() as cursor:
        sql = across_client_schemas(select)
        if not sql:
            return []
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [str(STATEMENT_TIMEOUT_MS)]
        )
        cursor.execute(sql)
        return [
            (pending, oldest.timestamp() if oldest else None, failing, disabled)
            for pending, oldest, failing, disabled in cursor.fetchall()
        ]


class TenantFiguresCollector(Collector):
    def describe(self) -> list[GaugeMetricFamily]:
        return list(self.families())

    def families(self) -> tuple[GaugeMetricFamily, ...]:
        return (
            GaugeMetricFamily(
                "spendgate_outbox_pending", "Outbox events not yet dispatched, every tenant."
            ),
            GaugeMetricFamily(
                "spendgate_outbox_oldest_pending_age_seconds",
                "Age of the oldest undispatched outbox event of any tenant (0 when none).",
            ),
            GaugeMetricFamily(
                "spendgate_webhook_endpoints",
                "Webhook endpoints of every tenant by state: failing (switched on, its last "
                "deliveries failed), disabled.",
                labels=["state"],
            ),
            GaugeMetricFamily(
                "spendgate_tenant_figures_scrape_error",
                "1 when the outbox and endpoint figures could not be read in this scrape.",
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending, oldest_age, endpoints, error = self.families()
        try:
            rows = tenant_figures()
        except DatabaseError:
            error.add_metric([], 1)
            yield error
            return
        oldest = min((row[1] for row in rows if row[1] is not None), default=None)
        pending.add_metric([], sum(row[0] for row in rows))
        oldest_age.add_metric([], max(0.0, time.time() - oldest) if oldest else 0.0)
        endpoints.add_metric(["failing"], sum(row[2] for row in rows))
        endpoints.add_metric(["disabled"], sum(row[3] for row in rows))
        error.add_metric([], 0)
        yield from (pending, oldest_age, endpoints, error)


SCRAPE_COLLECTORS = (QueueCollector(), TenantFiguresCollector())
SCRAPED = CollectorRegistry()
for collector in SCRAPE_COLLECTORS:
    SCRAPED.register(collector)


def exposition() -> bytes:
    """The Prometheus text page: every process's recorded series (added up from
    PROMETHEUS_MULTIPROC_DIR when set, else this process's), then the scrape-time figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        recorded = CollectorRegistry()
        MultiProcessCollector(recorded)
    else:
        recorded = REGISTRY
    return generate_latest(recorded) + generate_latest(SCRAPED)
