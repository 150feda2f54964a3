"""Celery tasks of e-mail intake; beat fans them out to every client tenant."""

from __future__ import annotations

from celery import shared_task

from .drafts import reading_draft_read
from .imap import mailbox_poll


@shared_task
def poll_mailboxes() -> dict[str, int]:
    """Read this tenant's IMAP mailbox, when it has one."""
    return mailbox_poll()


@shared_task(name="apps.inbox.tasks.read_mailed_draft")
def read_mailed_draft(draft_id: str) -> bool:
    """Read a mailed PDF without e-invoice data into its draft (sent when the mail commits)."""
    draft = reading_draft_read(draft_id)
    return bool(draft is not None and draft.reading)
