"""Uploads that cannot hurt: the type is decided by content (magic bytes, then a parse), the
size is limited, the name is checked and never used for storage, and the SHA-256 is kept."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

from apps.controls.refusals import ApplicationError

from .pdf_content import refuse_active_pdf


class UploadRefused(ApplicationError):
    status = 422
    code = "upload_refused"


class EmptyFile(UploadRefused):
    code = "empty_file"


class FileTooLarge(UploadRefused):
    code = "file_too_large"


class BadFileName(UploadRefused):
    code = "invalid_filename"


class UnsupportedMediaType(UploadRefused):
    status = 415
    code = "unsupported_media_type"


class CorruptFile(UploadRefused):
    code = "invalid_document"


@dataclass(frozen=True)
class Inspected:
    content: ContentFile[bytes]
    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str


_KINDS = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
]
_TRAVERSAL = re.compile(r"(\.\.|[/\\\x00-\x1f]|%2e%2e|%2f|%5c)", re.IGNORECASE)
_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(name: str) -> str:
    """Refuse names that try to climb directories; keep a readable, harmless display name."""
    if not name or _TRAVERSAL.search(name):
        raise BadFileName(_("The file name is not acceptable; rename the file and try again."))
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = _SAFE.sub("_", name).strip(" .")[:150]
    return name or "document"


def read_limited(upload: Any, *, choose: str, limit: int | None = None) -> bytes:
    """The upload's content, at most `limit` bytes (SUPPLIER_UPLOAD_MAX_BYTES): refused when
    nothing was sent (`choose` says what to send), when it is empty or larger."""
    limit = limit or settings.SUPPLIER_UPLOAD_MAX_BYTES
    if upload is None:
        raise EmptyFile(choose, errors={"file": [_("No file was sent.")]})
    data = bytes(upload.read(limit + 1))
    if len(data) > limit:
        raise FileTooLarge(
            _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}
        )
    if not data:
        raise EmptyFile(_("The file is empty."))
    return data


def parses(kind: str, data: bytes) -> bool:
    """Whether a file of this kind (pdf, png, jpg) really opens: magic bytes are not enough."""
    try:
        if kind == "pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data), strict=False)
            return len(reader.pages) > 0
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        return True
    except Exception:  # any parser failure means: not a usable file
        return False


def inspect_upload(upload: Any, *, max_bytes: int | None = None) -> Inspected:
    """Check an uploaded file and return what may be stored. Raises UploadRefused (400/415)."""
    limit = max_bytes or settings.SUPPLIER_UPLOAD_MAX_BYTES
    if upload is None:
        raise EmptyFile(_("Choose a file to upload."), errors={"file": [_("No file was sent.")]})
    name = safe_name(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None)
    data = b"" if size is not None and size > limit else upload.read(limit + 1)
    if (size is not None and size > limit) or len(data) > limit:
        # the declared size refuses before reading; the bounded read catches a wrong one
        raise FileTooLarge(
            _("The file is larger than %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)}
        )
    if not data:
        raise EmptyFile(_("The file is empty."))
    kind = next((k for k in _KINDS if data.startswith(k[0])), None)
    if kind is None:
        raise UnsupportedMediaType(
            _("Only PDF, PNG and JPEG files are accepted (decided by the file's content).")
        )
    _magic, content_type, extension = kind
    if not parses(extension, data):
        raise CorruptFile(_("The file looks like a %s but cannot be read.") % extension.upper())
    if extension == "pdf":
        refuse_active_pdf(data)
    return Inspected(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"),
        original_name=name,
        content_type=content_type,
        extension=extension,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
