"""Which reader an uploaded invoice file needs, decided by its content, not its name."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.suppliers.pdf_content import refuse_active_pdf
from apps.suppliers.uploads import UnsupportedMediaType, read_limited, safe_name

from . import InvalidDocument, ParsedInvoice
from .arithmetic import returned_lines
from .cii import is_cii, parse_cii
from .csvfile import parse_csv
from .facturx import in_utf8, parse_facturx
from .ubl import is_ubl, parse_ubl, parse_xml

# what a file's content says it is, as kept with the invoice
PDF, XML, CSV = (
    ("application/pdf", "pdf"),
    ("application/xml", "xml"),
    ("text/csv", "csv"),
)


def read_invoice_file(upload: Any) -> tuple[list[ParsedInvoice], tuple[bytes, str, str, str]]:
    """(parsed invoices, (content, display name, content type, extension)) or a refusal."""
    name = safe_name(getattr(upload, "name", "") or "invoice") if upload is not None else ""
    data = read_limited(upload, choose=_("Choose a file to import."))
    parsed, (content_type, extension) = read_content(data)
    return parsed, (data, name, content_type, extension)


def read_content(
    data: bytes, *, pdf_checked: bool = False
) -> tuple[list[ParsedInvoice], tuple[str, str]]:
    """The invoices in a file's content, and its (content type, extension), by what the
    content is: a PDF, UBL or CII XML, else CSV text. `pdf_checked`: the caller has already
    refused an active PDF (a mail's attachments are checked as the mail is read), so the
    document is not walked twice."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"%PDF-"):
        if not pdf_checked:
            refuse_active_pdf(data)
        parsed, kind = [parse_facturx(data)], PDF
    elif head.startswith(b"<"):
        root = parse_xml(in_utf8(data))
        if is_ubl(root):
            parsed, kind = [parse_ubl(root)], XML
        elif is_cii(root):
            parsed, kind = [parse_cii(root)], XML
        else:
            from lxml import etree

            qname = etree.QName(root)
            raise InvalidDocument(
                _(
                    "Not a UBL 2.1 Invoice or CreditNote nor a CII CrossIndustryInvoice: "
                    "the root element is {%(ns)s}%(el)s."
                )
                % {"ns": qname.namespace or "", "el": qname.localname},
                where="root",
            )
    elif b"\x00" in data[:4096]:
        raise UnsupportedMediaType(
            _("Import a UBL/Peppol or CII XML file, a Factur-X PDF or a CSV file.")
        )
    else:
        parsed, kind = parse_csv(data), CSV
    for invoice in parsed:
        returned_lines(invoice)
    return parsed, kind
