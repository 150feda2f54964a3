"""What the mailbox poll has due in a tenant (apps.tenancy.due): an enabled IMAP mailbox to
read. A tenant that takes its invoice mail by SMTP only is never polled."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from apps.tenancy.due import DueProbe, register_due_probe

from .models import Mailbox


def _none(_now: datetime, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {}


MAILBOX_TO_READ = DueProbe(
    sql="SELECT 1 FROM {mailbox} WHERE enabled",
    tables={"mailbox": Mailbox._meta.db_table},
    params=_none,
)


def register_due_probes() -> None:
    register_due_probe("apps.inbox.tasks.poll_mailboxes", MAILBOX_TO_READ)
