"""Which reader an uploaded invoice file needs, decided by its content, not its name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.suppliers.uploads import EmptyFile, FileTooLarge, UnsupportedMediaType, safe_name

from . import InvalidDocument, ParsedInvoice
from .csvfile import parse_csv
from .facturx import parse_facturx
from .ubl import is_ubl, parse_ubl, parse_xml


def read_invoice_file(upload: Any) -> tuple[list[ParsedInvoice], tuple[bytes, str, str, str]]:
    """(parsed invoices, (content, display name, content type, extension)) or a refusal."""
    if upload is None:
        raise EmptyFile(_("Choose a file to import."), errors={"file": [_("No file was sent.")]})
    limit = settings.SUPPLIER_UPLOAD_MAX_BYTES
    name = safe_name(getattr(upload, "name", "") or "invoice")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(_("The file is larger than %s MB.") % round(limit / 1024 / 1024, 1))
    if not data:
        raise EmptyFile(_("The file is empty."))
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"%PDF-"):
        return [parse_facturx(data)], (data, name, "application/pdf", "pdf")
    if head.startswith(b"<"):
        root = parse_xml(data)
        if not is_ubl(root):
            from lxml import etree

            qname = etree.QName(root)
            raise InvalidDocument(
                _("Not a UBL 2.1 Invoice or CreditNote: the root element is {%(ns)s}%(el)s.")
                % {"ns": qname.namespace or "", "el": qname.localname},
                where="root",
            )
        return [parse_ubl(root)], (data, name, "application/xml", "xml")
    if b"\x00" in data[:4096]:
        raise UnsupportedMediaType(_("Import a UBL/Peppol XML file, a Factur-X PDF or a CSV file."))
    return parse_csv(data), (data, name, "text/csv", "csv")
