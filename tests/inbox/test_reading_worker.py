"""A mailed PDF without XML waits in the review list as the mail commits, and a real Celery
worker reads it into the draft in the tenant's schema (issue 33: never inside the mail's
transaction)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.inbox.drafts import draft_from_mail
from apps.inbox.models import MailMessage, ReadingDraft
from apps.tenancy.context import tenant_context
from tests.conftest import ROOT, poll

SAMPLE = ROOT / "data" / "ai" / "samples" / "contoso-invoice.pdf"


def test_the_worker_reads_a_mailed_pdf_into_its_draft(
    committed_org: dict[str, Any], django_db_blocker: Any, celery_worker_process: None
) -> None:
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():  # the reading is sent when the mail commits
            message = MailMessage.objects.create(
                message_id="<scan-1@billing.test>", source="api", status="received"
            )
            draft = draft_from_mail(
                message=message, name="scan.pdf", data=SAMPLE.read_bytes(), supplier=None
            )
            assert ReadingDraft.objects.get(pk=draft.pk).reading == {}
        read = poll(
            lambda: ReadingDraft.objects.filter(pk=draft.pk).exclude(reading={}).first(),
            what="the worker to read the mailed PDF",
        )
        assert read.reading["fields"]["invoice_number"] == "CS-2026-0417"
        assert read.reading["fields"]["total"] == "1592.16"
        assert read.status == "review" and read.invoice_id is None  # a person files it
