"""The mailbox poll's due probe (apps/inbox/due.py): beat polls only a tenant with an enabled
IMAP mailbox, counted on the real broker; the poll it is sent for reads the mail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.inbox.models import Mailbox, MailMessage
from apps.inbox.services import mailbox_set
from apps.inbox.tasks import poll_mailboxes
from tests.beat import beat_round

from .test_imap import Box, imap
from .test_mail import UBL, mail

__all__ = ["imap"]
pytestmark = pytest.mark.django_db


def test_only_a_tenant_with_a_mailbox_is_polled(
    aporg: Any, tenant_b: Any, in_tenant: Any, imap: tuple[Box, int], tmp_path: Path
) -> None:
    mine, other = aporg.tenant.schema_name, tenant_b.schema_name
    sent = beat_round("poll-mailboxes", tmp_path)
    assert (sent[mine], sent[other]) == (0, 0)  # mail by SMTP only: nothing to poll

    box, port = imap
    box.messages = {3: bytes(mail("billing@contoso.test", "x", ("i.xml", "application/xml", UBL)))}
    with in_tenant(aporg.tenant):
        mailbox_set(
            actor=aporg.org.admin,
            data={
                "host": "127.0.0.1",
                "port": port,
                "use_ssl": False,
                "username": "invoices@acme.test",
                "password": "imap-pass",
            },
        )
    sent = beat_round("poll-mailboxes", tmp_path)
    assert (sent[mine], sent[other]) == (1, 0)
    with in_tenant(aporg.tenant):
        assert poll_mailboxes()["received"] == 1
        assert MailMessage.objects.filter(source="imap").count() == 1
        Mailbox.objects.update(enabled=False)
    assert beat_round("poll-mailboxes", tmp_path)[mine] == 0
