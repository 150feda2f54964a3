"""Celery tasks of e-mail intake; beat fans them out to every client tenant."""

from __future__ import annotations

from celery import shared_task

from .imap import mailbox_poll


@shared_task
def poll_mailboxes() -> dict[str, int]:
    """Read this tenant's IMAP mailbox, when it has one."""
    return mailbox_poll()
