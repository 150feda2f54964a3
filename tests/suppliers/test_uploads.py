"""Uploads that cannot hurt: type by content, size limit, safe names, nothing stored on
refusal; stored under the tenant's prefix and served only as an authorised attachment."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.suppliers.models import SupplierDocument
from apps.suppliers.uploads import (
    BadFileName,
    CorruptFile,
    EmptyFile,
    FileTooLarge,
    UploadRefused,
    inspect_upload,
    safe_name,
)
from tests.suppliers.conftest import invite, portal_user

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def _stored_files(tenant: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "tenants" / tenant.schema_name
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(client: Any, supplier: Any, name: str, content: bytes, **extra: Any) -> Any:
    return client.post(
        f"/api/v1/suppliers/{supplier.pk}/documents/",
        {
            "doc_type": "other",
            "file": SimpleUploadedFile(name, content, "application/pdf"),
            **extra,
        },
        format="multipart",
    )


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("invoice.pdf", WINDOWS_EXE, 415, "unsupported_media_type"),
        ("report.pdf", ELF, 415, "unsupported_media_type"),
        ("statement.pdf", HTML, 415, "unsupported_media_type"),
        ("broken.pdf", b"%PDF-1.7\nthis is not a pdf at all", 422, "invalid_document"),
        ("empty.pdf", b"", 422, "empty_file"),
        ("..%2F..%2F..%2Fetc%2Fcron.d%2Fjob.pdf", b"%PDF-1.4", 422, "invalid_filename"),
    ],
)
def test_refused_uploads_store_nothing(
    sorg: Any, in_tenant: Any, api_for: Any, name: str, content: bytes, status: int, code: str
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
    before = _stored_files(sorg.tenant)
    response = _upload(api_for(sorg.tenant, sorg.buyer), supplier, name, content)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    with in_tenant(sorg.tenant):
        assert not SupplierDocument.objects.filter(supplier=supplier).exists()
    assert _stored_files(sorg.tenant) == before


def test_oversized_file_is_refused(
    sorg: Any, in_tenant: Any, api_for: Any, files: Any, settings: Any
) -> None:
    settings.SUPPLIER_UPLOAD_MAX_BYTES = 2048
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
    big = files["pdf"]() + b"%" + b"x" * 4096
    before = _stored_files(sorg.tenant)
    response = _upload(api_for(sorg.tenant, sorg.buyer), supplier, "big.pdf", big)
    assert response.status_code == 422
    assert response.json()["code"] == "file_too_large"
    assert _stored_files(sorg.tenant) == before


def test_path_traversal_names_are_refused_by_the_service_too() -> None:
    for name in ("../../etc/passwd.pdf", "..\\..\\boot.ini", "a/b.pdf", "x\x00.pdf"):
        with pytest.raises(BadFileName):
            safe_name(name)
    assert safe_name("Rechnung März 2026.pdf") == "Rechnung Marz 2026.pdf"


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("pdf", "application/pdf"), ("png", "image/png"), ("jpeg", "image/jpeg")],
)
def test_accepted_file_is_kept_with_its_hash_and_served_as_attachment(
    sorg: Any, in_tenant: Any, api_for: Any, files: Any, kind: str, content_type: str
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
    content = files[kind]()
    # the declared name and type say nothing: the content decides
    response = _upload(api_for(sorg.tenant, sorg.buyer), supplier, "scan.bin", content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == content_type
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    with in_tenant(sorg.tenant):
        document = SupplierDocument.objects.get(pk=body["id"])
        assert document.file.name.startswith(f"suppliers/{supplier.pk}/documents/")
        assert "scan" not in document.file.name  # the stored name is ours
    stored = Path(settings.MEDIA_ROOT) / "tenants" / sorg.tenant.schema_name / document.file.name
    assert stored.read_bytes() == content

    download = api_for(sorg.tenant, sorg.buyer).get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content
    # not a public URL: anonymous and other roles' requests are refused
    assert api_for(sorg.tenant).get(body["download_url"]).status_code in (401, 403)


def test_renewal_keeps_history(sorg: Any, in_tenant: Any, api_for: Any, files: Any) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        user = portal_user(supplier)
    client = api_for(sorg.tenant, user)
    for expires in ("2027-01-31", "2028-01-31"):
        response = client.post(
            f"/api/v1/suppliers/{supplier.pk}/documents/",
            {
                "doc_type": "insurance_certificate",
                "file": SimpleUploadedFile("coi.pdf", files["pdf"]()),
                "expires_on": expires,
            },
            format="multipart",
        )
        assert response.status_code == 201, response.content
    listed = client.get(f"/api/v1/suppliers/{supplier.pk}/documents/").json()
    assert [(d["version"], d["status"], d["expires_on"]) for d in listed] == [
        (2, "current", "2028-01-31"),
        (1, "superseded", "2027-01-31"),
    ]


# --------------------------------------------------------------------------- inspect_upload
# (database-free: the content checks every upload channel shares)
def _pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_no_file_at_all_names_the_missing_field() -> None:
    with pytest.raises(EmptyFile) as refused:
        inspect_upload(None)
    assert str(refused.value.detail) == "Choose a file to upload."
    assert refused.value.errors == {"file": ["No file was sent."]}


def test_a_pdf_without_pages_is_not_a_document() -> None:
    with pytest.raises(CorruptFile):
        inspect_upload(SimpleUploadedFile("blank.pdf", _pdf(pages=0)))
    assert inspect_upload(SimpleUploadedFile("one.pdf", _pdf())).extension == "pdf"


def test_a_readable_pdf_with_a_wrong_cross_reference_offset_is_accepted() -> None:
    """Many real PDFs (scanners, old tools) have a broken xref; readers recover and so do we."""
    data = _pdf()
    start = data.rindex(b"startxref") + len(b"startxref\n")
    end = data.index(b"\n", start)
    broken = data[:start] + str(int(data[start:end]) + 7).encode() + data[end:]
    assert inspect_upload(SimpleUploadedFile("scan.pdf", broken)).size == len(broken)


def test_a_file_without_a_name_is_refused() -> None:
    nameless = ContentFile(_pdf())
    with pytest.raises(BadFileName):
        inspect_upload(nameless)


class _Declared(io.BytesIO):
    """An upload whose declared size is known before a byte is read (as Django's are)."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(data)
        self.name, self.size, self.reads = "big.pdf", size, 0

    def read(self, n: int | None = -1) -> bytes:
        self.reads += 1
        return super().read(n)


def test_a_declared_size_over_the_limit_is_refused_before_reading() -> None:
    upload = _Declared(_pdf(), size=settings.SUPPLIER_UPLOAD_MAX_BYTES + 1)
    with pytest.raises(FileTooLarge):
        inspect_upload(upload)
    assert upload.reads == 0
    within = _Declared(_pdf(), size=100)
    assert inspect_upload(within).extension == "pdf" and within.reads == 1


class _Stream(io.BytesIO):
    """An upload known only by reading it: a name, no declared size; records what was asked."""

    def __init__(self, data: bytes, name: str | None = "scan.pdf") -> None:
        super().__init__(data)
        if name is not None:
            self.name = name
        self.asked: list[int | None] = []

    def read(self, n: int | None = -1) -> bytes:
        self.asked.append(n)
        return super().read(n)


def test_a_file_of_exactly_the_limit_is_kept_whole_and_one_byte_more_is_refused() -> None:
    data = _pdf()
    data += b"%" * (2048 - len(data))  # a comment after %%EOF: still the same PDF
    exact = _Stream(data)
    kept = inspect_upload(exact, max_bytes=2048)
    assert kept.size == 2048 and kept.sha256 == hashlib.sha256(data).hexdigest()
    assert exact.asked == [2049]  # never more than the limit and one byte is read
    with pytest.raises(FileTooLarge):
        inspect_upload(_Stream(data + b"%"), max_bytes=2048)
    declared = _Declared(data, size=2048)
    assert inspect_upload(declared, max_bytes=2048).size == 2048


def test_refusals_say_why_in_words() -> None:
    # 2,673,871 bytes: 2.55 MB, said as 2.6 (one decimal, binary megabytes)
    with pytest.raises(FileTooLarge) as large:
        inspect_upload(_Declared(b"", size=3 * 1024 * 1024), max_bytes=2_673_871)
    assert large.value.detail == "The file is larger than 2.6 MB."
    with pytest.raises(EmptyFile) as empty:
        inspect_upload(_Stream(b""))
    assert empty.value.detail == "The file is empty."
    with pytest.raises(UploadRefused) as unsupported:
        inspect_upload(_Stream(HTML))
    assert unsupported.value.detail == (
        "Only PDF, PNG and JPEG files are accepted (decided by the file's content)."
    )


def test_an_upload_without_a_name_or_a_size_attribute() -> None:
    with pytest.raises(BadFileName):
        inspect_upload(_Stream(_pdf(), name=None))  # no `name` at all
    assert inspect_upload(_Stream(_pdf())).extension == "pdf"  # no `size`: read, bounded


def test_display_names_are_kept_readable_and_harmless() -> None:
    with pytest.raises(BadFileName) as refused:
        safe_name("../secret.pdf")
    assert refused.value.detail == "The file name is not acceptable; rename the file and try again."
    assert safe_name(" .invoice#7*.pdf. ") == "invoice_7_.pdf"  # unsafe runs become one _
    assert safe_name("Übersicht.pdf") == "Ubersicht.pdf"
    assert safe_name("\U0001f9fe") == "document"  # a receipt emoji: nothing readable is left
    long = "a" * 200 + ".pdf"
    assert safe_name(long) == "a" * 150
