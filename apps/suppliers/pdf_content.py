"""What a PDF would do when opened: the one check every stored PDF passes (supplier and
contract documents, invoice uploads and imports, mailed PDFs).

A PDF is refused (`active_pdf`, naming why) when it carries
- JavaScript anywhere (a `/JS` entry, a `/JavaScript` action or name tree),
- an action that leaves the document: `/Launch` (runs a program), `/SubmitForm`,
  `/ImportData`, `/GoToE` (opens an embedded PDF), `/GoToR` (opens another file, on a
  network share too), `/RichMediaExecute`, `/Rendition`,
  wherever it sits (`/OpenAction`, `/AA` additional actions, a link's `/A`, an outline),
- an XFA form (`/XFA`: its own scripting),
- an embedded file that is not XML. A Factur-X / ZUGFeRD invoice carries its invoice as an
  embedded XML file, so XML attachments pass.
An `/OpenAction` or `/AA` that only goes to a page, and `/URI` links, are harmless and pass.

Refused rather than sanitised: the stored file is evidence (its SHA-256 is audited with the
document), a rewritten copy would no longer be what the sender sent, and a sanitiser that
misses one construct keeps it while claiming the file clean; the sender can print the document
to a plain PDF and send that (docs/suppliers.md).

Every object is read through pypdf, from the cross-reference table and the compressed object
streams alike (names are compared decoded, so `/J#61vaScript` is `/JavaScript`), and every
object reachable from the trailer is walked too (a broken table that pypdf rebuilt). A last
look at the raw bytes catches an uncompressed name in an object the parser did not reach.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.controls.refusals import ApplicationError

ACTIVE_ACTIONS = {
    "/JavaScript": gettext_lazy("JavaScript"),
    "/Launch": gettext_lazy("a launch action (it runs a program)"),
    "/SubmitForm": gettext_lazy("a form that submits to an address"),
    "/ImportData": gettext_lazy("a form that imports data"),
    "/GoToE": gettext_lazy("an action that opens an embedded document"),
    "/GoToR": gettext_lazy(
        "an action that opens another file (a network share leaks sign-in hashes)"
    ),
    "/RichMediaExecute": gettext_lazy("rich media that executes commands"),
    "/Rendition": gettext_lazy("a media rendition action"),
}
XFA = gettext_lazy("an XFA form (it carries its own scripts)")
_RAW_NAMES = re.compile(rb"/(JavaScript|JS|Launch|XFA)(?=[\s/<>\[\]()%]|$)")
_MAX_OBJECTS = 200_000


class ActivePdf(ApplicationError):
    status = 422  # a schema-valid upload refused for its content (docs/api.md)
    code = "active_pdf"


def _is_xml(data: bytes) -> bool:
    return data[:256].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _objects(reader: Any) -> Iterator[Any]:
    """Every object of the file: each numbered one (table and object streams), and what is
    reachable from the trailer, each container once."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    numbers = {(n, g) for g, table in reader.xref.items() for n in table}
    numbers |= {(n, 0) for n in reader.xref_objStm}
    stack: list[Any] = [reader.trailer]
    stack += [IndirectObject(n, g, reader) for n, g in sorted(numbers)]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(item, DictionaryObject):
            yield item
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _embedded_data(stream: Any) -> bytes:
    try:
        return bytes(stream.get_object().get_data())
    except Exception:  # an embedded file that cannot be decoded is no XML
        return b""


def active_content(data: bytes) -> list[str]:
    """What in the PDF would act on opening, in words; empty for a passive PDF."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, StreamObject

    found: list[str] = []
    checked: set[Any] = set()  # embedded file streams already judged through their /EF

    def note(reason: str) -> None:
        if reason not in found:
            found.append(reason)

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        for obj in _objects(reader):
            if "/JS" in obj:
                note(_("JavaScript"))
            action = obj.get("/S")
            if action in ACTIVE_ACTIONS:
                note(str(ACTIVE_ACTIONS[str(action)]))
            if "/JavaScript" in obj:  # the document-level name tree of scripts
                note(_("JavaScript"))
            if "/XFA" in obj:
                note(str(XFA))
            embedded = obj.get("/EF")
            if embedded is not None:
                embedded = embedded.get_object()
                name = str(obj.get("/UF") or obj.get("/F") or "?")
                if isinstance(embedded, DictionaryObject):
                    for stream in embedded.values():
                        checked.add(getattr(stream, "idnum", None))
                        if not _is_xml(_embedded_data(stream)):
                            note(_("an embedded file that is not XML (%s)") % name[:80])
            if (
                isinstance(obj, StreamObject)
                and obj.get("/Type") == "/EmbeddedFile"
                and getattr(obj.indirect_reference, "idnum", None) not in checked
                and not _is_xml(_embedded_data(obj))
            ):
                note(_("an embedded file that is not XML"))
    except Exception as exc:  # a structure pypdf cannot walk is not one we can vouch for
        note(_("a structure that cannot be checked (%s)") % str(exc)[:100])
    for match in _RAW_NAMES.finditer(data):
        raw_name = match.group(1)
        if raw_name in (b"JavaScript", b"JS"):
            note(_("JavaScript"))
        elif raw_name == b"Launch":
            note(str(ACTIVE_ACTIONS["/Launch"]))
        else:
            note(str(XFA))
    return found


def refuse_active_pdf(data: bytes) -> None:
    """Raise `active_pdf` naming what the PDF would do; a passive PDF passes."""
    reasons = active_content(data)
    if reasons:
        raise ActivePdf(
            _("The PDF carries %s; send a plain PDF (print it to PDF) instead.")
            % ", ".join(reasons)
        )
