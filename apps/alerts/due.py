"""What the alert evaluation has due in a tenant (apps.tenancy.due): an open alert (it may have
cleared), or a rule whose condition holds now, with the thresholds of the published policy's
`alerts` section read in the same statement (its defaults filled in, `null` turning a rule
off), as `alerts_evaluate` reads them. Each rule of `RULES` has its part here, written from its
function in rules.py; a part may find a condition the rule then does not raise (the bank days
of an unconfirmed payment run are counted in Python, here the calendar days), never miss one.
`worker_stopped` has none: beat's own scheduler evaluates it each minute in every tenant."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from apps.assurance.models import ChainCheck
from apps.audit.models import AuditEvent
from apps.inbox.models import MailMessage
from apps.integrations.models import (
    DeliveryAttempt,
    ErpConnection,
    InboundEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.invoices.models import InvoiceException
from apps.invoices.selectors import OPEN_STATES
from apps.payments.models import PaymentRun
from apps.policies.alert_section import DEFAULT_ALERT_POLICY
from apps.policies.models import PolicyVersion
from apps.tenancy.due import DueProbe, register_due_probe
from apps.workflow.models import ApprovalStep

from .models import Alert
from .rules import UNLINKED_AFTER

# the thresholds: the defaults, overridden by the published policy's `alerts` keys
_THRESHOLDS = (
    "WITH policy AS (SELECT (SELECT p.document -> 'alerts' FROM {policy} p "
    "WHERE p.status = %(published)s ORDER BY p.number DESC LIMIT 1) AS alerts), "
    "t AS (SELECT %(defaults)s::jsonb || CASE WHEN jsonb_typeof(policy.alerts) = 'object' "
    "THEN policy.alerts ELSE jsonb_build_object() END AS a FROM policy) "
)


RULE_PROBES: dict[str, str | None] = {
    "exception_queue_stale": "SELECT 1 FROM {exception} e, t "
    "WHERE e.status = ANY(%(open_exceptions)s) "
    "AND e.created_at < %(now)s - (t.a ->> 'exception_queue_oldest_hours')::float8 "
    "* interval '1 hour'",
    "approval_sla_breaches": "SELECT 1 FROM t WHERE (SELECT count(*) FROM {step} s "
    "WHERE s.status = %(open_step)s AND s.due_at < %(now)s) "
    "> (t.a ->> 'approval_sla_breaches')::float8",
    # the last n attempts (of every endpoint, enabled or not) all failed
    "webhook_endpoint_failing": "SELECT 1 FROM {endpoint} e, t WHERE (SELECT "
    "count(*) >= (t.a ->> 'connector_failures')::int AND bool_and(latest.failed) FROM ("
    "SELECT (a.status_code IS NULL OR a.status_code NOT BETWEEN 200 AND 299) AS failed "
    "FROM {attempt} a JOIN {delivery} d ON d.id = a.delivery_id WHERE d.endpoint_id = e.id "
    "ORDER BY a.at DESC, a.id DESC LIMIT (t.a ->> 'connector_failures')::int) latest)",
    # the last n events of an enabled connection all failed
    "erp_connection_failing": "SELECT 1 FROM {erp} c, t WHERE c.enabled AND (SELECT "
    "count(*) >= (t.a ->> 'connector_failures')::int AND bool_and(latest.failed) FROM ("
    "SELECT i.status = %(failed)s AS failed FROM {inbound} i WHERE i.connection_id = c.id "
    "ORDER BY i.received_at DESC, i.id DESC LIMIT (t.a ->> 'connector_failures')::int) latest)",
    "mail_quarantine_share": "SELECT 1 FROM t, (SELECT count(*) AS n, "
    "count(*) FILTER (WHERE m.reason <> '') AS q FROM {mail} m "
    "WHERE m.received_at >= %(now)s - interval '1 day') recent "
    "WHERE recent.n >= COALESCE(NULLIF((t.a ->> 'mail_quarantine_minimum')::float8, 0), 1) "
    "AND recent.q * 100 > (t.a ->> 'mail_quarantine_percent')::float8 * recent.n",
    "audit_chain_broken": "SELECT 1 FROM t, (SELECT c.valid FROM {check} c "
    "ORDER BY c.checked_at DESC, c.id DESC LIMIT 1) latest "
    "WHERE (t.a ->> 'audit_chain')::boolean AND NOT latest.valid",
    # the partial index of unlinked events holds a handful of rows (apps.audit.services)
    "audit_chain_unlinked": "SELECT 1 FROM t, {audit} e WHERE (t.a ->> 'audit_chain')::boolean "
    "AND e.hash IS NULL AND e.at < %(now)s - %(unlinked_after)s",
    # calendar days since the release (in UTC, as the rule's dates), never fewer than bank days
    "payment_run_unconfirmed": "SELECT 1 FROM {run} r, t WHERE r.status = %(released)s "
    "AND (r.released_at AT TIME ZONE 'UTC')::date "
    "<= (%(now)s AT TIME ZONE 'UTC')::date - (t.a ->> 'payment_unconfirmed_bank_days')::int",
    "worker_stopped": None,
}
OPEN_ALERT = "SELECT 1 FROM {alert} WHERE status = %(open_alert)s"


def _at(now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "now": now,
        "published": str(PolicyVersion.Status.PUBLISHED),
        "defaults": json.dumps(DEFAULT_ALERT_POLICY),
        "open_exceptions": [str(state) for state in OPEN_STATES],
        "open_step": str(ApprovalStep.Status.OPEN),
        "failed": str(InboundEvent.Status.FAILED),
        "released": str(PaymentRun.Status.RELEASED),
        "open_alert": str(Alert.Status.OPEN),
        "unlinked_after": UNLINKED_AFTER,
    }


ALERT_DUE = DueProbe(
    sql=_THRESHOLDS
    + " UNION ALL ".join([OPEN_ALERT, *(part for part in RULE_PROBES.values() if part)]),
    tables={
        "policy": PolicyVersion._meta.db_table,
        "alert": Alert._meta.db_table,
        "exception": InvoiceException._meta.db_table,
        "step": ApprovalStep._meta.db_table,
        "endpoint": WebhookEndpoint._meta.db_table,
        "delivery": WebhookDelivery._meta.db_table,
        "attempt": DeliveryAttempt._meta.db_table,
        "erp": ErpConnection._meta.db_table,
        "inbound": InboundEvent._meta.db_table,
        "mail": MailMessage._meta.db_table,
        "check": ChainCheck._meta.db_table,
        "audit": AuditEvent._meta.db_table,
        "run": PaymentRun._meta.db_table,
    },
    params=_at,
)


def register_due_probes() -> None:
    register_due_probe("apps.alerts.tasks.evaluate_alerts", ALERT_DUE)
