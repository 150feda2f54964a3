"""The tenant's IMAP mailbox: unseen mail is received like SMTP mail and flagged seen; a
message read again (flag lost, crash before the flag) creates nothing twice; a wrong password
is recorded on the mailbox, not raised. The server is a small IMAP4rev1 speaker over a real
socket, driven by the standard library's client."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from apps.inbox.imap import mailbox_poll
from apps.inbox.models import Mailbox, MailMessage
from apps.inbox.services import mailbox_set
from apps.invoices.models import Invoice
from apps.suppliers.secrets import decrypt

from .test_mail import UBL, mail


class Box:
    def __init__(self) -> None:
        self.messages: dict[int, bytes] = {}
        self.seen: set[int] = set()
        self.password = "imap-pass"
        self.logins: list[str] = []


def _server(box: Box) -> socketserver.ThreadingTCPServer:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, text: bytes) -> None:
            self.wfile.write(text + b"\r\n")

        def handle(self) -> None:
            self.reply(b"* OK IMAP4rev1 test server ready")
            while line := self.rfile.readline():
                tag, _sp, rest = line.strip().partition(b" ")
                command = rest.upper()
                if command.startswith(b"CAPABILITY"):
                    self.reply(b"* CAPABILITY IMAP4rev1")
                elif command.startswith(b"LOGIN"):
                    words = re.findall(rb'"[^"]*"|\S+', rest)
                    password = words[2].strip(b'"').decode()
                    box.logins.append(words[1].strip(b'"').decode())
                    if password != box.password:
                        self.reply(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials")
                        continue
                elif command.startswith(b"SELECT"):
                    self.reply(b"* %d EXISTS" % len(box.messages))
                elif command.startswith(b"UID SEARCH"):
                    unseen = [u for u in sorted(box.messages) if u not in box.seen]
                    self.reply(b"* SEARCH " + b" ".join(str(u).encode() for u in unseen))
                elif command.startswith(b"UID FETCH"):
                    uid = int(rest.split()[2])
                    data = box.messages[uid]
                    self.wfile.write(b"* %d FETCH (UID %d RFC822 {%d}\r\n" % (uid, uid, len(data)))
                    self.wfile.write(data + b")\r\n")
                elif command.startswith(b"UID STORE"):
                    box.seen.add(int(rest.split()[2]))
                elif command.startswith(b"LOGOUT"):
                    self.reply(b"* BYE")
                    self.reply(tag + b" OK LOGOUT completed")
                    return
                self.reply(tag + b" OK done")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


@pytest.fixture
def imap() -> Iterator[tuple[Box, int]]:
    box = Box()
    server = _server(box)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_unseen_mail_is_received_and_flagged_seen(
    aporg: Any, in_tenant: Any, imap: tuple[Box, int]
) -> None:
    box, port = imap
    box.messages = {
        7: bytes(mail("billing@contoso.test", "x", ("i.xml", "application/xml", UBL))),
        9: bytes(mail("stranger@example.org", "x", ("j.xml", "application/xml", UBL))),
    }
    with in_tenant(aporg.tenant):
        mailbox = mailbox_set(
            actor=aporg.org.admin,
            data={
                "host": "127.0.0.1",
                "port": port,
                "use_ssl": False,
                "username": "invoices@acme.test",
                "password": "imap-pass",
            },
        )
        assert mailbox.password_encrypted != "imap-pass"
        assert decrypt(mailbox.password_encrypted) == "imap-pass"
        counts = mailbox_poll()
        assert counts == {"read": 2, "received": 1, "quarantined": 1, "left": 0}
        assert box.seen == {7, 9}
        assert Invoice.objects.filter(channel="email").count() == 1
        assert set(MailMessage.objects.values_list("source", flat=True)) == {"imap"}
        # the flags were lost: read again, nothing is created twice
        box.seen.clear()
        assert mailbox_poll()["read"] == 2
        assert MailMessage.objects.count() == 2 and Invoice.objects.count() == 1
        # a batch limit leaves the rest for the next run, and says so
        box.seen.clear()
        assert mailbox_poll(limit=1) == {"read": 1, "received": 1, "quarantined": 0, "left": 1}


def test_a_wrong_password_is_recorded_not_raised(
    aporg: Any, in_tenant: Any, imap: tuple[Box, int]
) -> None:
    box, port = imap
    with in_tenant(aporg.tenant):
        mailbox_set(
            actor=aporg.org.admin,
            data={"host": "127.0.0.1", "port": port, "use_ssl": False, "username": "u",
                  "password": "wrong"},
        )  # fmt: skip
        assert mailbox_poll()["read"] == 0
        mailbox = Mailbox.objects.get()
        assert "Invalid credentials" in mailbox.last_error and mailbox.last_polled_at
        assert box.logins == ["u"]
        # a change without a password keeps the stored one
        mailbox_set(actor=aporg.org.admin, data={"host": "127.0.0.1", "username": "u2"})
        assert decrypt(Mailbox.objects.get().password_encrypted) == "wrong"
