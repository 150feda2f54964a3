"""Reading an e-mail as data: its Message-ID, sender and subject, and its attachments, each
judged by its content (never by its name or declared type) the way uploads are. Nothing in a
mail is ever executed or rendered."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.suppliers.pdf_content import active_content
from apps.suppliers.uploads import UploadRefused, parses, safe_name

BODY_TYPES = {"text/plain", "text/html"}
# what can carry an invoice; an image is harmless but no e-invoice; anything else is refused
USABLE = {"pdf", "xml"}


@dataclass
class Attachment:
    name: str
    declared_type: str
    data: bytes
    kind: str = ""  # "pdf" or "xml" when usable, "image" for a PNG or JPEG that opens
    problem: str = ""  # why it cannot be used

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def described(self) -> dict[str, object]:
        return {
            "name": self.name,
            "content_type": self.declared_type,
            "size": len(self.data),
            "sha256": self.sha256,
            "kind": self.kind,
            "problem": self.problem,
        }


@dataclass
class Mail:
    message_id: str
    # the one address of the one From header; '' when there is none, or more than one
    sender: str
    recipients: list[str]
    subject: str
    attachments: list[Attachment]
    # why the headers are not well-formed (a NUL in them): '' when they are
    malformed: str = ""
    # why the From header names no sender: '' when it names exactly one address
    sender_problem: str = ""
    # the From header as written (cleaned), for AP when `sender` is ''
    from_header: str = ""


# C0 controls and DEL: PostgreSQL cannot store NUL, and none belongs in a header we show
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str, limit: int) -> str:
    """Header text as it may be stored and shown: no control characters, at most `limit`."""
    return _CONTROLS.sub(" ", text.replace("\x00", "")).strip()[:limit]


def _header(message: Any, name: str) -> str:
    """A header's text; as written when the parser fails on it (a known failure of the
    standard library on some malformed Message-IDs), never an error."""
    try:
        return str(message.get(name, ""))
    except (ValueError, IndexError, TypeError, AttributeError, MessageError):
        written = (v for k, v in message.raw_items() if k.lower() == name.lower())
        return str(next(written, ""))


def _message_id(value: str | None, raw: bytes) -> str:
    """The Message-ID without its brackets; a mail without one is known by its content."""
    text = clean(value or "", 400).strip("<>").strip()
    return text[:300] if text else f"sha256:{hashlib.sha256(raw).hexdigest()}"


def _head(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]


def _sender(message: Any) -> tuple[str, str, str]:
    """(address, the From header as written, why it is not one address): exactly one From
    header holding exactly one well-formed address with a domain, else no sender."""
    try:
        headers = message.get_all("From", [])
        written = clean(" / ".join(str(h) for h in headers), 300)
        addresses = [a.addr_spec for h in headers[:1] for a in getattr(h, "addresses", ())]
        defects = bool(headers and headers[0].defects)
    except (ValueError, IndexError, TypeError, AttributeError, MessageError):
        return "", "", _("The From header cannot be read.")
    if len(headers) != 1:
        return (
            "",
            written,
            _("The mail has %d From headers; exactly one is accepted.") % len(headers),
        )
    addresses = [a for a in addresses if a]
    if len(addresses) != 1:
        return "", written, _("The From header must name exactly one address.")
    address = addresses[0].lower()
    local, _at, domain = address.rpartition("@")
    if defects or not local or "." not in domain or clean(address, 320) != address:
        return "", written, _("The From header holds no valid address.")
    return address, written, ""


def _mail(message: Any, raw: bytes, attachments: list[Attachment]) -> Mail:
    sender, written, problem = _sender(message)
    malformed = ""
    if b"\x00" in _head(raw):
        malformed = _("The mail's headers hold a NUL character, which no header may contain.")
    return Mail(
        message_id=_message_id(_header(message, "Message-ID"), raw),
        sender=sender,
        recipients=_recipients(message),
        subject=clean(_header(message, "Subject"), 300),
        attachments=attachments,
        malformed=malformed,
        sender_problem=problem,
        from_header=written,
    )


def headers_of(raw: bytes) -> Mail:
    """Only the headers (for a mail too large to read): nothing of its body is kept."""
    message = BytesHeaderParser(policy=policy.default).parsebytes(_head(raw)[:65536])
    return _mail(message, raw, [])


def _recipients(message: Any) -> list[str]:
    fields = [_header(message, h) for h in ("To", "Cc", "Delivered-To")]
    return [clean(address, 320).lower() for _name, address in getaddresses(fields) if address]


def kind_of(data: bytes) -> str:
    """pdf, xml or image by content (a PDF or image that opens, XML that is well-formed);
    else ''."""
    if data.startswith(b"%PDF-"):
        return "pdf" if parses("pdf", data) else ""
    for magic, kind in ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg")):
        if data.startswith(magic):
            return "image" if parses(kind, data) else ""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            etree.fromstring(data, parser=parser)
            return "xml"
        except etree.XMLSyntaxError:
            return ""
    return ""


def read_mail(raw: bytes) -> Mail:
    """The mail and its attachments, each judged: a usable PDF or XML, or the problem."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    limit = settings.SUPPLIER_UPLOAD_MAX_BYTES
    attachments = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        content_type = part.get_content_type()
        if not filename and disposition != "attachment" and content_type in BODY_TYPES:
            continue  # the text of the mail
        if disposition == "inline" and content_type.startswith("image/"):
            continue  # a logo in the signature: part of the text, not an attachment
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        try:
            name = safe_name(filename or "attachment")
        except UploadRefused:
            name, problem = "attachment", _("The file name is not acceptable.")
        else:
            problem = ""
        attachment = Attachment(name=name, declared_type=clean(content_type, 100), data=data)
        if problem:
            attachment.problem = problem
        elif not data:
            attachment.problem = _("The attachment is empty.")
        elif len(data) > limit:
            attachment.problem = _("The attachment is larger than %s MB.") % round(
                limit / 1024 / 1024, 1
            )
        else:
            attachment.kind = kind_of(data)
            active = active_content(data) if attachment.kind == "pdf" else []
            if active:  # refused and not kept, as any attachment that is no PDF or XML
                attachment.kind = ""
                attachment.problem = _("An active PDF: it carries %s; it was not kept.") % (
                    ", ".join(active)
                )
            elif attachment.kind == "image":
                attachment.problem = _("An image, not an e-invoice.")
            elif not attachment.kind:
                attachment.problem = _(
                    "Not a PDF or XML file (decided by its content); it was not kept."
                )
        attachments.append(attachment)
    return _mail(message, raw, attachments)
