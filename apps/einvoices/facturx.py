"""Factur-X / ZUGFeRD: a PDF carrying a UN/CEFACT Cross Industry Invoice (CII) XML, read by
the same CII reader as raw XML (cii.py)."""

from __future__ import annotations

import codecs
import io
import re

from django.utils.translation import gettext as _

from . import InvalidDocument, ParsedInvoice
from .cii import parse_cii
from .ubl import parse_xml

# the names the Factur-X, ZUGFeRD 2.x and XRechnung specifications give the attachment
KNOWN_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"'][^>]*\?>")


def embedded_xml(data: bytes) -> bytes:
    """The invoice XML attached to the PDF: the attachment with the specification's name, else
    the only XML attachment. Read here rather than by a library that skips an XML it cannot
    parse (an unusual encoding declaration) and then reports none."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InvalidDocument(_("The PDF cannot be read: %s") % str(exc)[:200]) from None
    named = {name.lower(): name for name in attachments}
    pick = next((named[n] for n in KNOWN_NAMES if n in named), None)
    if pick is None:
        xml_names = [name for name in attachments if name.lower().endswith(".xml")]
        pick = xml_names[0] if len(xml_names) == 1 else None
    if pick is None or not attachments[pick]:
        raise InvalidDocument(
            _(
                "The PDF carries no Factur-X / ZUGFeRD XML; upload it through the supplier portal "
                "with the invoice data entered, or send the e-invoice file."
            )
        )
    return bytes(attachments[pick][0])


def in_utf8(xml: bytes) -> bytes:
    """The XML re-encoded as UTF-8 when its declaration names an encoding by a spelling the
    XML parser does not know ("UTF8", "latin1", "cp1252"): Python's codec names are wider."""
    found = _DECLARATION.match(xml)
    if not found:
        return xml
    declared = found.group(1).decode("ascii")
    try:
        codec = codecs.lookup(declared)
    except LookupError:
        raise InvalidDocument(
            _("The embedded XML declares an unknown encoding, %s.") % declared, where="encoding"
        ) from None
    try:
        text = xml[found.end() :].decode(codec.name)
    except UnicodeDecodeError as exc:
        raise InvalidDocument(
            _("The embedded XML is not %(enc)s at byte %(at)s.")
            % {"enc": declared, "at": exc.start},
            where="encoding",
        ) from None
    return b'<?xml version="1.0" encoding="UTF-8"?>' + text.encode("utf-8")


def parse_facturx(data: bytes) -> ParsedInvoice:
    return parse_cii(parse_xml(in_utf8(embedded_xml(data))), channel="facturx")
