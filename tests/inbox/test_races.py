"""The same mail delivered twice at the same moment (two MTAs, an SMTP retry racing an IMAP
read): both deliveries pass the "seen this Message-ID?" read before either writes, so only the
unique Message-ID keeps them apart. The test holds both at the write (a table lock taken by a
third connection) until both have read, then lets them go: one mail, one invoice."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import connection, connections, transaction

from apps.inbox.models import MailMessage
from apps.inbox.services import mail_receive
from apps.invoices.models import Invoice
from apps.suppliers.models import Supplier
from apps.tenancy.context import tenant_context
from tests.invoices.conftest import committed_ap

from .test_mail import UBL, mail


def _waiting_on(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
            [table],
        )
        return int(cursor.fetchone()[0])


def test_two_deliveries_of_one_message_id_at_the_same_moment(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    tenant = committed_org["tenant"]
    raw = bytes(mail("billing@contoso.test", "x", ("i.xml", "application/xml", UBL)))
    results: list[Any] = [None, None]

    def deliver(i: int) -> None:
        try:
            with tenant_context(tenant):
                results[i] = mail_receive(raw=raw, source="smtp")
        except Exception as exc:  # reported by the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    with django_db_blocker.unblock(), tenant_context(tenant):
        with transaction.atomic():
            supplier = committed_ap(committed_org).supplier
            Supplier.objects.filter(pk=supplier.pk).update(email="billing@contoso.test")
        threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
        with transaction.atomic():
            with connection.cursor() as cursor:
                # reads go on, writes wait: both deliveries look for the Message-ID, find
                # nothing, and queue at their INSERT
                cursor.execute("LOCK TABLE inbox_mailmessage IN SHARE MODE")
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 60
            while _waiting_on("inbox_mailmessage") < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _waiting_on("inbox_mailmessage") == 2, "both deliveries should wait to write"
        for thread in threads:
            thread.join(60)
        assert all(isinstance(r, MailMessage) for r in results), results
        assert results[0].pk == results[1].pk
        assert sorted(getattr(r, "replay", False) for r in results) == [False, True]
        assert MailMessage.objects.count() == 1
        assert Invoice.objects.filter(channel="email").count() == 1
