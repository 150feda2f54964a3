"""What the audit trail calls this context's subjects: a webhook endpoint by its URL's host, an
ERP connection and a service account by their names, an ERP event by the ERP's message id, a
reconciliation by when it ran (registered with apps.audit.subjects in AppConfig.ready())."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from django.utils import timezone

from .models import ErpConnection, InboundEvent, ReconciliationRun, ServiceAccount, WebhookEndpoint

PAGE = "/settings/integrations/"


def _uuids(ids: set[str]) -> list[UUID]:
    found = []
    for value in ids:
        try:
            found.append(UUID(value))
        except ValueError:
            continue
    return found


def webhook_endpoints(ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = WebhookEndpoint.objects.filter(pk__in=_uuids(ids)).values_list("pk", "url")
    return {str(pk): (urlsplit(url).hostname or url, PAGE) for pk, url in rows}


def erp_connections(ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = ErpConnection.objects.filter(pk__in=_uuids(ids)).values_list("pk", "name")
    return {str(pk): (name, PAGE) for pk, name in rows}


def service_accounts(ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = ServiceAccount.objects.filter(pk__in=_uuids(ids)).values_list("pk", "name")
    return {str(pk): (name, PAGE) for pk, name in rows}


def erp_events(ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = InboundEvent.objects.filter(pk__in=_uuids(ids)).values_list("pk", "message_id")
    return {str(pk): (message_id, PAGE) for pk, message_id in rows}


def reconciliation_runs(ids: set[str]) -> dict[str, tuple[str, str]]:
    rows = ReconciliationRun.objects.filter(pk__in=_uuids(ids)).values_list("pk", "started_at")
    return {str(pk): (f"{timezone.localtime(at):%Y-%m-%d %H:%M}", PAGE) for pk, at in rows}


NAMERS = {
    "webhook_endpoint": webhook_endpoints,
    "erp_connection": erp_connections,
    "service_account": service_accounts,
    "erp_event": erp_events,
    "reconciliation_run": reconciliation_runs,
}
