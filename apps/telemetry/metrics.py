"""Every series Spendgate records as it works, in one place (docs/operations.md lists them, a
test holds the two to each other). No series carries a tenant: a label per tenant would grow
with the installation, and a tenant's figures are its own to read in the product.

With `PROMETHEUS_MULTIPROC_DIR` set, every process (gunicorn workers, Celery's pool) writes its
values to files there and `/metrics` adds them up; unset, this process's registry is the one
served. The files are named by host and process id, so processes of several containers can
share one directory without mistaking each other's files."""

from __future__ import annotations

import os
import socket
from typing import Any

from prometheus_client import Counter, Histogram, values


def process_identifier() -> str:
    return f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"


if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    values.ValueClass = values.MultiProcessValue(process_identifier)

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
TASK_SECONDS = (0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900)
QUERIES = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)

HTTP_REQUEST_SECONDS = Histogram(
    "spendgate_http_request_duration_seconds",
    "Time to answer a request, by view (url name or route, never the path) and status class.",
    ["view", "status"],
    buckets=SECONDS,
)
DB_QUERIES = Histogram(
    "spendgate_db_queries_per_request", "Database queries one request made.", buckets=QUERIES
)
DB_SECONDS = Histogram(
    "spendgate_db_query_seconds_per_request",
    "Time one request spent in the database.",
    buckets=SECONDS,
)
TASK_DURATION = Histogram(
    "spendgate_celery_task_duration_seconds",
    "Time a Celery task ran, by task and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
    buckets=TASK_SECONDS,
)
TASK_RETRIES = Counter(
    "spendgate_celery_task_retries", "Celery task runs that asked to be retried.", ["task"]
)
TASK_FAILURES = Counter("spendgate_celery_task_failures", "Celery task runs that raised.", ["task"])
WEBHOOK_DELIVERIES = Counter(
    "spendgate_webhook_delivery_attempts",
    "Webhook delivery attempts by result: succeeded, retrying (failed, will be sent again), "
    "dead (failed for the last time).",
    ["result"],
)
ERP_INBOUND = Counter(
    "spendgate_erp_inbound_events",
    "Signed ERP events received, by result: applied, failed (kept as a dead letter), replay, "
    "refused (signature or timestamp).",
    ["result"],
)
MAIL_INTAKE = Counter(
    "spendgate_mail_intake",
    "Invoice e-mails received, by result: filed, duplicate, or the quarantine reason.",
    ["result"],
)
AUDIT_CHAIN_CHECKS = Counter(
    "spendgate_audit_chain_checks",
    "Audit chain verifications, by result: valid, broken.",
    ["result"],
)
SIGN_IN_FAILURES = Counter("spendgate_sign_in_failures", "Failed sign-ins (page, token, admin).")
SIGN_IN_LOCKOUTS = Counter(
    "spendgate_sign_in_lockouts", "Sign-ins refused because the identity or address is locked."
)

COUNTERS: dict[str, Counter] = {
    "webhook_delivery": WEBHOOK_DELIVERIES,
    "erp_inbound_event": ERP_INBOUND,
    "mail_intake": MAIL_INTAKE,
    "audit_chain_check": AUDIT_CHAIN_CHECKS,
}


def count(what: str, amount: float = 1, **labels: Any) -> None:
    """One more of `what` (a key of COUNTERS) with these labels, e.g.
    `count("webhook_delivery", result="dead")`."""
    COUNTERS[what].labels(**{k: str(v) for k, v in labels.items()}).inc(amount)
