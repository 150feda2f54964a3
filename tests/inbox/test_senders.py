"""Who sent a mail: the From header alone files nothing. A sender is verified by a DKIM signature
of an aligned domain, by SPF for an aligned envelope sender (in the demo and here: SMTP from
loopback stands in for SPF), or by a trusted upstream MTA's Authentication-Results; else the
mail waits as `unverified_sender`. Exactly one From address; a verified sender's hourly
allowance; a cap on the e-invoices one mail may file. DNS answers come from the zone setting,
never the network."""

from __future__ import annotations

import smtplib
from email.policy import SMTP
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from apps.inbox.models import MailMessage
from apps.inbox.senders import Envelope
from apps.inbox.services import mail_receive
from apps.inbox.smtp import listener
from apps.invoices.models import Invoice
from apps.suppliers.models import Supplier
from apps.tenancy.context import tenant_context
from tests.conftest import free_port
from tests.invoices.conftest import committed_ap

from .conftest import TRUSTED_MTA
from .test_mail import UBL, mail

SUPPLIER = "billing@contoso.test"
XML = ("i.xml", "application/xml", UBL)


def _key() -> tuple[bytes, str]:
    """A fresh RSA key: the PEM to sign with and the DKIM TXT record that publishes it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()


def _signed(raw: bytes, domain: str, pem: bytes, length: bool = False) -> bytes:
    signature = dkim.sign(
        raw,
        b"s1",
        domain.encode(),
        pem,
        include_headers=[b"from", b"subject", b"message-id"],
        length=length,
    )
    return bytes(signature) + raw


def test_a_dkim_signature_of_the_from_domain_verifies_the_sender(
    aporg: Any, in_tenant: Any, settings: Any
) -> None:
    pem, record = _key()
    evil_pem, evil_record = _key()
    settings.INVOICE_MAIL_DNS_ZONE = {
        "s1._domainkey.contoso.test": {"TXT": [record]},
        "s1._domainkey.evil.example": {"TXT": [evil_record]},
    }
    with in_tenant(aporg.tenant):
        good = mail_receive(
            raw=_signed(bytes(mail(SUPPLIER, "x", XML, verified=False)), "contoso.test", pem),
            source="api",
        )
        assert (good.status, good.verified_by) == ("received", "dkim=pass header.d=contoso.test")
        assert Invoice.objects.filter(channel="email").count() == 1

        # a valid signature, but of another domain than the From's: no alignment
        other = mail_receive(
            raw=_signed(
                bytes(mail(SUPPLIER, "x", XML, subject="b", verified=False)),
                "evil.example",
                evil_pem,
            ),
            source="api",
        )
        # the signed mail altered on its way: the signature no longer verifies
        signed = _signed(
            bytes(mail(SUPPLIER, "x", XML, subject="c", verified=False)), "contoso.test", pem
        )
        altered = mail_receive(raw=signed.replace(b"Subject: c", b"Subject: C"), source="api")
        # a body length (l=) signs a part: what is appended after it is not the sender's
        partial = _signed(
            bytes(mail(SUPPLIER, "x", subject="d", verified=False)), "contoso.test", pem, True
        )
        assert dkim.verify(partial + b"appended\n", dnsfunc=lambda *_a, **_k: record.encode())
        appended = mail_receive(raw=partial + b"appended\n", source="api")
        for forged in (other, altered, appended):
            assert (forged.status, forged.reason) == ("quarantined", "unverified_sender")
            # AP may still file it after asking the supplier, when it carries an e-invoice
            assert forged.assignable == (forged is not appended)
            assert forged.verified_by == "" and forged.supplier_id is None
            assert "billing@contoso.test could not be verified" in forged.detail
        assert Invoice.objects.count() == 1


def test_spf_for_an_aligned_envelope_sender(aporg: Any, in_tenant: Any, settings: Any) -> None:
    settings.INVOICE_MAIL_DNS_ZONE = {
        "contoso.test": {"TXT": ["v=spf1 ip4:203.0.113.5 -all"]},
        "mail.contoso.test": {"TXT": ["v=spf1 ip4:203.0.113.5 -all"]},
        "evil.example": {"TXT": ["v=spf1 ip4:198.51.100.7 -all"]},
    }

    def receive(subject: str, mail_from: str, ip: str) -> MailMessage:
        raw = bytes(mail(SUPPLIER, "x", XML, subject=subject, verified=False))
        return mail_receive(
            raw=raw,
            source="smtp",
            envelope=Envelope(mail_from=mail_from, client_ip=ip, helo="mx.contoso.test"),
        )

    with in_tenant(aporg.tenant):
        passed = receive("a", "bounces@mail.contoso.test", "203.0.113.5")
        assert passed.status == "received"
        assert passed.verified_by == "spf=pass smtp.mailfrom=mail.contoso.test"
        # SPF fails for contoso.test from this address
        wrong_host = receive("b", SUPPLIER, "198.51.100.7")
        # SPF passes, for evil.example: not aligned with the From domain
        unaligned = receive("c", "attacker@evil.example", "198.51.100.7")
        for forged in (wrong_host, unaligned):
            assert (forged.status, forged.reason) == ("quarantined", "unverified_sender")
        assert "(evil.example) is not contoso.test" in unaligned.detail
        assert Invoice.objects.count() == 1


def test_only_the_topmost_authentication_results_count_and_only_when_trusted(
    aporg: Any, in_tenant: Any
) -> None:
    def receive(subject: str, *results: str) -> MailMessage:
        raw = bytes(mail(SUPPLIER, "x", XML, subject=subject, verified=False))
        on_top = b"".join(f"Authentication-Results: {r}\n".encode() for r in results)
        return mail_receive(raw=on_top + raw, source="imap")

    with in_tenant(aporg.tenant):
        dkim_pass = receive("a", f"{TRUSTED_MTA}; dkim=pass header.d=contoso.test; spf=fail")
        assert dkim_pass.status == "received"
        assert dkim_pass.verified_by == f"{TRUSTED_MTA}: dkim=pass header.d=contoso.test"
        refused = [
            # anyone can write a header: only the listed authserv-id is believed
            receive("b", "mx.attacker.example; dmarc=pass header.from=contoso.test"),
            # our MTA found nothing; a "pass" the sender wrote below it is not believed
            receive(
                "c",
                f"{TRUSTED_MTA}; dkim=none; spf=none",
                f"{TRUSTED_MTA}; dmarc=pass header.from=contoso.test",
            ),
            # a pass for another domain
            receive("d", f"{TRUSTED_MTA}; dkim=pass header.d=evil.example"),
            receive("e", "garbage;;; ="),
            # the provider that delivered it wrote on top; a trusted id below came with the mail
            receive(
                "f",
                "mx.provider.example; dkim=none",
                f"{TRUSTED_MTA}; dmarc=pass header.from=contoso.test",
            ),
            # a dmarc pass that names no From domain vouches for none
            receive("g", f"{TRUSTED_MTA}; dmarc=pass"),
        ]
        for forged in refused:
            assert (forged.status, forged.reason) == ("quarantined", "unverified_sender")
        assert Invoice.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        [("From", SUPPLIER), ("From", "attacker@evil.example")],
        [("From", f"{SUPPLIER}, attacker@evil.example")],
        [("From", f"{SUPPLIER} attacker@evil.example")],
        [("From", "Contoso")],
        [],
    ],
    ids=["two-headers", "two-addresses", "garbled", "no-address", "none"],
)
def test_exactly_one_from_address(
    aporg: Any, in_tenant: Any, headers: list[tuple[str, str]]
) -> None:
    message = mail(SUPPLIER, "x", XML)
    del message["From"]
    raw = b"".join(f"{name}: {value}\n".encode() for name, value in headers) + bytes(message)
    with in_tenant(aporg.tenant):
        held = mail_receive(raw=raw, source="api")
        assert (held.status, held.reason, held.sender) == ("quarantined", "sender_invalid", "")
        assert "From" in held.detail
        assert not Invoice.objects.exists()


def test_a_senders_hourly_allowance_and_forgeries_do_not_use_it_up(
    aporg: Any, in_tenant: Any, settings: Any
) -> None:
    settings.INVOICE_MAIL_SENDER_HOURLY_LIMIT = 2
    with in_tenant(aporg.tenant):
        for n in range(3):  # forged: unverified, and not counted against the supplier
            mail_receive(
                raw=bytes(mail(SUPPLIER, "x", subject=f"f{n}", verified=False)), source="api"
            )
        first, second, third = (
            mail_receive(
                raw=bytes(
                    mail(
                        SUPPLIER,
                        "x",
                        ("i.xml", "application/xml", UBL.replace(b"Snippet1", f"RL-{n}".encode())),
                    )
                ),
                source="api",
            )
            for n in range(3)
        )
        assert first.status == second.status == "received"
        assert (third.status, third.reason) == ("quarantined", "rate_limited")
        assert Invoice.objects.count() == 2


def test_one_mail_files_at_most_the_cap_of_invoices(
    aporg: Any, in_tenant: Any, settings: Any
) -> None:
    settings.INVOICE_MAIL_MAX_INVOICES = 2
    files = [
        (f"{n}.xml", "application/xml", UBL.replace(b"Snippet1", f"CAP-{n}".encode()))
        for n in range(3)
    ]
    with in_tenant(aporg.tenant):
        held = mail_receive(raw=bytes(mail(SUPPLIER, "x", *files)), source="api")
        assert (held.status, held.reason) == ("quarantined", "too_many_invoices")
        assert "3 e-invoice attachments; at most 2" in held.detail
        assert not Invoice.objects.exists()
        fits = mail_receive(raw=bytes(mail(SUPPLIER, "x", *files[:2])), source="api")
        assert fits.status == "received" and Invoice.objects.count() == 2


def test_a_nul_in_the_headers_is_quarantined_not_a_server_error(aporg: Any, in_tenant: Any) -> None:
    raw = bytes(mail(SUPPLIER, "x", XML)).replace(b"Subject: Invoice", b"Subject: In\x00voice")
    with in_tenant(aporg.tenant):
        held = mail_receive(raw=raw, source="api")
        held.refresh_from_db()
        assert (held.status, held.reason) == ("quarantined", "malformed")
        assert held.subject == "Invoice Snippet1" and held.file
        assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        # the standard library's parser fails on this Message-ID
        b"From: billing@contoso.test\r\nMessage-ID: :(a@b>\r\nSubject: x\r\n\r\nhello",
        # a mail that starts with a continuation line (dkimpy fails on it)
        b" folded\r\nFrom: billing@contoso.test\r\nDKIM-Signature: v=1; d=contoso.test\r\n"
        b"Subject: x\r\n\r\nhello",
        b"Authentication-Results: )x; dmarc=<ass\r\nFrom: billing@contoso.test\r\n\r\nhello",
    ],
    ids=["message-id", "leading-fold", "garbled-results"],
)
def test_malformed_headers_are_recorded_not_server_errors(
    aporg: Any, in_tenant: Any, raw: bytes
) -> None:
    with in_tenant(aporg.tenant):
        held = mail_receive(raw=raw, source="api")
        assert held.status == "quarantined" and held.file


def test_smtp_the_readme_snippet_files_and_a_forged_envelope_waits(
    committed_org: dict[str, Any], django_db_blocker: Any
) -> None:
    """The README's snippet (envelope = From = the supplier's contact) is filed; the same From
    with the envelope attacker@evil.example waits; a NUL in the headers is answered for good
    (never 451, which an MTA retries for days) and recorded."""
    address = f"invoices@{committed_org['host']}"
    with django_db_blocker.unblock(), tenant_context(committed_org["tenant"]):
        with transaction.atomic():
            supplier = committed_ap(committed_org).supplier
            Supplier.objects.filter(pk=supplier.pk).update(email="supplier@acme.example")
        port = free_port()
        controller = listener("127.0.0.1", port)
        controller.start()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                readme = mail("supplier@acme.example", address, XML, verified=False)
                smtp.send_message(readme)
                forged = mail(
                    "supplier@acme.example",
                    address,
                    ("j.xml", "application/xml", UBL.replace(b"Snippet1", b"FORGED-1")),
                    verified=False,
                )
                smtp.send_message(forged, from_addr="attacker@evil.example")
                nul = (
                    mail("supplier@acme.example", address, XML, subject="NUL", verified=False)
                    .as_bytes(policy=SMTP)
                    .replace(b"Subject: NUL", b"Subject: N\x00L")
                )
                code, _text = smtp.docmd("MAIL", "FROM:<supplier@acme.example>")
                smtp.rcpt(address)
                code, _text = smtp.data(nul)
                assert code == 250, (code, _text)  # quarantined, not 451
        finally:
            controller.stop()
        [invoice] = Invoice.objects.all()
        assert invoice.invoice_number == "Snippet1"
        filed = MailMessage.objects.get(message_id=readme["Message-ID"].strip("<>"))
        assert filed.verified_by == "spf=pass smtp.mailfrom=acme.example (loopback stand-in)"
        held = MailMessage.objects.get(message_id=forged["Message-ID"].strip("<>"))
        assert (held.status, held.reason) == ("quarantined", "unverified_sender")
        assert "evil.example" in held.detail
        nul_mail = MailMessage.objects.get(reason="malformed")
        assert nul_mail.status == "quarantined" and nul_mail.subject == "NL" and nul_mail.file


def test_a_sender_is_matched_to_a_supplier_by_its_identity(aporg: Any, in_tenant: Any) -> None:
    """The supplier's contact address is read as the sign-in reads addresses: a dotless i
    (U+0131) is not an i (PostgreSQL's case-insensitive match would take it for one)."""
    from apps.inbox.services import senders_suppliers

    with in_tenant(aporg.tenant):
        contoso = Supplier.objects.get(email=SUPPLIER)
        assert senders_suppliers(SUPPLIER.upper()) == [contoso]
        assert senders_suppliers(SUPPLIER.replace("i", "\u0131", 1)) == []
