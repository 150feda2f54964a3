"""The tenant's IMAP mailbox: unseen mail is received like SMTP mail and flagged seen; a
message read again (flag lost, crash before the flag) creates nothing twice; a wrong password
is recorded on the mailbox, not raised. The host meets the outbound guard of webhooks at save
and at connect, and what goes wrong is said in a fixed sentence, never in the remote's words.
The server is a small IMAP4rev1 speaker over a real socket, driven by the standard library's
client."""

from __future__ import annotations

import re
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from apps.controls.refusals import ValidationFailed
from apps.inbox.imap import mailbox_poll
from apps.inbox.models import Mailbox, MailMessage
from apps.inbox.services import mailbox_set
from apps.invoices.models import Invoice
from apps.suppliers.secrets import decrypt
from tests.conftest import free_port
from tests.integrations.conftest import signed_in

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
def imap(settings: Any) -> Iterator[tuple[Box, int]]:
    # the operator's exemption for a mail server on this machine (the guard refuses loopback)
    settings.INVOICE_MAIL_IMAP_ALLOWED_HOSTS = ["127.0.0.1"]
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
        # a fixed sentence, not the server's words
        assert mailbox.last_error == "The server refused the user name or password."
        assert mailbox.last_polled_at
        assert box.logins == ["u"]
        # a change without a password keeps the stored one
        mailbox_set(actor=aporg.org.admin, data={"host": "127.0.0.1", "username": "u2"})
        assert decrypt(Mailbox.objects.get().password_encrypted) == "wrong"


NOT_ALLOWED = "This host is not allowed: it leads to a private, loopback or reserved address."
IMAP_DATA = {"port": 993, "use_ssl": False, "username": "u", "password": "p"}


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.0.0.5",
        "192.168.1.10",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "::ffff:10.0.0.5",
        "::127.0.0.1",
        "64:ff9b::a00:5",
        "2002:a00:5::1",
    ],
)
def test_an_internal_host_is_refused_at_save(
    aporg: Any, in_tenant: Any, host: str, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_LOOPBACK = True  # as `make demo` runs: webhooks may reach loopback
    with in_tenant(aporg.tenant):
        with pytest.raises(ValidationFailed) as refused:
            mailbox_set(actor=aporg.org.admin, data={**IMAP_DATA, "host": host})
        assert refused.value.errors == {"host": [NOT_ALLOWED]}
        assert not Mailbox.objects.exists()


def test_the_guard_holds_at_connect_and_no_remote_words_reach_the_page(
    aporg: Any, in_tenant: Any, settings: Any
) -> None:
    settings.INVOICE_MAIL_IMAP_ALLOWED_HOSTS = ["127.0.0.1"]

    # something that is no IMAP server, with a banner that must not reach the page
    listening = socket.create_server(("127.0.0.1", 0))
    banner_port = listening.getsockname()[1]

    def greet() -> None:
        conn, _addr = listening.accept()
        conn.sendall(b"SSH-2.0-OpenSSH_9.6 internal-build-host\r\n")
        conn.close()

    threading.Thread(target=greet, daemon=True).start()
    closed = free_port()  # nothing listens there: "connection refused"
    with in_tenant(aporg.tenant):
        mailbox_set(
            actor=aporg.org.admin, data={**IMAP_DATA, "host": "127.0.0.1", "port": banner_port}
        )
        assert mailbox_poll()["read"] == 0
        assert Mailbox.objects.get().last_error == (
            "The server did not answer as an IMAP server does."
        )
        mailbox_set(actor=aporg.org.admin, data={"port": closed})
        mailbox_poll()
        assert Mailbox.objects.get().last_error == "No connection could be made to the server."
        # the exemption withdrawn (or a name that now resolves inside): refused at connect
        settings.INVOICE_MAIL_IMAP_ALLOWED_HOSTS = []
        mailbox_poll()
        assert Mailbox.objects.get().last_error == NOT_ALLOWED
    listening.close()
    page = signed_in(aporg.tenant, aporg.org.admin).get("/invoices/mail/")
    assert NOT_ALLOWED in page.text
    assert "OpenSSH" not in page.text and "refused" not in page.text.lower()
