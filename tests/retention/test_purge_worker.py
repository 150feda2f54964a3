"""The nightly purge as beat sends it: a real Celery worker runs it in the tenant's schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.inbox.models import MailMessage
from apps.inbox.services import mail_receive
from apps.retention.models import PurgeRun
from apps.retention.tasks import purge_expired_records
from apps.tenancy.context import tenant_context
from tests.conftest import poll


def test_beat_schedules_the_purge_and_a_worker_runs_it(
    committed_org: dict[str, Any], django_db_blocker: Any, celery_worker_process: None
) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-records"]
    assert entry["task"] == purge_expired_records.name and "tenant_schemas" not in entry
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():
            raw = b"From: x@unknown.test\r\nMessage-ID: <w-1@unknown.test>\r\nSubject: hi\r\n\r\nhi"
            mail = mail_receive(raw=raw, source="api")
            MailMessage.objects.filter(pk=mail.pk).update(
                received_at=timezone.now() - timedelta(days=45)
            )
        purge_expired_records.delay()
        run = poll(
            lambda: PurgeRun.objects.filter(kind="mail_quarantine").first(),
            what="the worker to run the purge",
        )
        assert run.purged == 1 and run.purged_ids == [str(mail.pk)]
        assert not MailMessage.objects.filter(pk=mail.pk).exists()
        assert run.actor == "system:retention"
