"""What the reader accepts: a PDF (its text layer, else its pages through OCR) or a PNG or
JPEG photo, decided by content, at most the upload limit of supplier documents. Refused with
a clear `{code, detail}` and nothing kept: a PDF that would act when opened (JavaScript,
launch actions: apps/suppliers/pdf_content.py), an encrypted PDF, a file that cannot be
opened, anything else, and an image where OCR finds no text."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from apps.suppliers.pdf_content import refuse_active_pdf
from apps.suppliers.uploads import (
    CorruptFile,
    UnsupportedMediaType,
    UploadRefused,
    parses,
    read_limited,
)

from .layout import Page, page_of_image, page_of_pdf
from .read import Reading, fields_of

MIN_TEXT = 20  # characters: less is no invoice to read

KINDS = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
)


class EncryptedPdf(UploadRefused):
    code = "encrypted_pdf"


class NoTextFound(UploadRefused):
    code = "no_text"


def kind_of(data: bytes) -> tuple[str, str]:
    """(extension, content type) by the file's first bytes."""
    for magic, extension, content_type in KINDS:
        if data.startswith(magic):
            return extension, content_type
    raise UnsupportedMediaType(
        _("Read a PDF, or a photo or scan as PNG or JPEG (decided by the file's content).")
    )


def upload_bytes(upload: Any) -> bytes:
    """The upload's content within the supplier-upload limit (refused when larger or empty)."""
    return read_limited(upload, choose=_("Choose a PDF or a photo of the invoice."))


def _refuse_encrypted(data: bytes) -> None:
    from pypdf import PdfReader

    try:
        encrypted = PdfReader(io.BytesIO(data), strict=False).is_encrypted
    except Exception:  # any parser failure: a file that cannot be read
        raise CorruptFile(_("The PDF cannot be read.")) from None
    if encrypted:
        raise EncryptedPdf(
            _("The PDF is encrypted (password-protected); send it without a password.")
        )


def page_of(data: bytes) -> tuple[Page, str]:
    """The document's text and layout, and its extension; refused as above."""
    extension, _type = kind_of(data)
    if extension == "pdf":
        _refuse_encrypted(data)
    if not parses(extension, data):
        raise CorruptFile(_("The file looks like a %s but cannot be read.") % extension.upper())
    if extension == "pdf":
        refuse_active_pdf(data)
        page = page_of_pdf(data)
    else:
        page = page_of_image(data)
    if sum(c.isalnum() for c in page.text) < MIN_TEXT:
        raise NoTextFound(
            _("No text could be read from this file; take a sharper photo or send the PDF.")
        )
    return page, extension


def document_read(data: bytes) -> tuple[Reading, str]:
    """The invoice's fields as read from the document, and its extension."""
    page, extension = page_of(data)
    return fields_of(page), extension
