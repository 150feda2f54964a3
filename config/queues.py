"""The broker's queues: one per kind of work, each served by its own workers with their own
concurrency, and each task held to its kind's time limits (docs/scale.md, "Queues and
processes"). Plain data with no Django import: the settings build Celery's routes, queues and
annotations from it, and `scripts/devstack.py` reads it by path before Django is set up.

A time limit is the task's own (a Celery annotation), not its worker's: a message still
waiting on the previous release's `celery` queue runs on the default worker with the limits of
its kind, so a long report is never cut short by a webhook's limit. At the soft limit the task
gets `SoftTimeLimitExceeded` (its open transaction rolls back); at the hard limit its process
is killed. Either way the message is acknowledged as failed, not handed out again, and the
catch-up sweeps or the next beat round do the work: it is still in the database."""

from __future__ import annotations

from typing import NamedTuple


class Limits(NamedTuple):
    soft_seconds: int
    hard_seconds: int


# kind: the time limits of its tasks. Every hard limit stays under the broker's visibility
# timeout (CELERY_VISIBILITY_TIMEOUT, 1 h), or a task still running would be handed out twice.
QUEUES: dict[str, Limits] = {
    # sweeps, supplier checks, alert evaluation, reconciliation: short database work
    "default": Limits(240, 300),
    # three-way matching in batches of 2,000 invoices
    "matching": Limits(840, 900),
    # long reads that make something to read later: evidence packs, compliance reports, the
    # chain check, the partner's roll-ups and usage, the assistants' nightly models
    "reports": Limits(1740, 1800),
    # outbound HTTP: webhook deliveries (15 s timeout each) and chat cards
    "webhooks": Limits(240, 300),
    # e-mail: mailbox polling, reading a mailed PDF, the renewal reminders
    "mail": Limits(240, 300),
}
DEFAULT_QUEUE = "default"
# The previous release sent everything not routed elsewhere to `celery`. The default worker
# keeps consuming it, so what was queued there before a deploy still runs.
LEGACY_QUEUES = ("celery",)

# Every task, by its registered name (names never change: a message in flight names its task),
# with its kind. tests/test_queues.py fails on a task that is not here.
TASKS: dict[str, str] = {
    "apps.alerts.tasks.evaluate_alerts": "default",
    "apps.integrations.tasks.prune_idempotency_keys": "default",
    "apps.integrations.tasks.reconcile_erp": "default",
    "apps.invoices.tasks.sweep_exception_slas": "default",
    "apps.partners.tasks.complete_due_offboardings": "default",
    "apps.partners.tasks.lapse_support_grants": "default",
    "apps.retention.tasks.purge_expired_records": "default",
    "apps.suppliers.tasks.rescreen_suppliers": "default",
    "apps.suppliers.tasks.run_supplier_checks": "default",
    "apps.workflow.tasks.sweep_approval_slas": "default",
    "apps.invoices.tasks.match_invoices": "matching",
    "apps.invoices.tasks.match_stalled_invoices": "matching",
    "apps.invoices.tasks.rematch_waiting_on_receipt": "matching",
    "apps.assurance.tasks.generate_evidence_pack": "reports",
    "apps.assurance.tasks.build_stalled_evidence_packs": "reports",
    "apps.assurance.tasks.generate_monthly_compliance_report": "reports",
    "apps.assurance.tasks.verify_audit_chains": "reports",
    "apps.insights.tasks.roll_up_client_days": "reports",
    "apps.partners.usage.tasks.measure_tenant_storage": "reports",
    "apps.assistants.signals.tasks.retrain_anomaly_model": "reports",
    "apps.assistants.spend.tasks.spend_model_retrain_task": "reports",
    "apps.integrations.tasks.dispatch_outbox": "webhooks",
    "apps.integrations.tasks.deliver_webhooks": "webhooks",
    "apps.integrations.tasks.post_approval_cards": "webhooks",
    "apps.inbox.tasks.poll_mailboxes": "mail",
    "apps.inbox.tasks.read_mailed_draft": "mail",
    "apps.suppliers.tasks.send_document_renewal_alerts": "mail",
    "apps.contracts.tasks.send_contract_renewal_alerts": "mail",
}

# A task whose work differs from the rest of its kind keeps its kind's queue and its own limits.
OWN_LIMITS: dict[str, Limits] = {
    # the nightly purge of a large tenant deletes many rows in batches
    "apps.retention.tasks.purge_expired_records": Limits(1740, 1800),
}


def consumed() -> list[str]:
    """Every queue a worker may consume: the kinds and the previous release's queue."""
    return [*QUEUES, *LEGACY_QUEUES]


def limits_of(task: str) -> Limits:
    return OWN_LIMITS.get(task) or QUEUES[TASKS[task]]


def task_routes() -> dict[str, dict[str, str]]:
    """CELERY_TASK_ROUTES: each task to its kind's queue."""
    return {task: {"queue": queue} for task, queue in TASKS.items()}


def task_annotations() -> dict[str, dict[str, int]]:
    """CELERY_TASK_ANNOTATIONS: each task's time limits, which travel with the task whichever
    worker runs it."""
    return {
        task: {"soft_time_limit": limits.soft_seconds, "time_limit": limits.hard_seconds}
        for task in TASKS
        for limits in [limits_of(task)]
    }
