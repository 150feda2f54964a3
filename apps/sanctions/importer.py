"""Import of the official OFAC SDN CSV layout (sdn.csv): 12 columns, no header, `-0-` for
empty; aliases come from the Remarks column's `a.k.a. '…'` (and `f.k.a.`) entries."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .matching import normalize
from .models import SanctionsList, SanctionsName

COLUMNS = 12  # ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage,
#               GRT, Vess_flag, Vess_owner, Remarks
_ALIAS = re.compile(r"\b[af]\.k\.a\.,?\s+'([^']+)'", re.IGNORECASE)


class SanctionsFileError(ValueError):
    """The file is not in the SDN layout; says which row and column."""


@dataclass
class ImportResult:
    sanctions_list: SanctionsList
    entries: int
    names: int


def _value(raw: str) -> str:
    value = raw.strip()
    return "" if value == "-0-" else value


def parse_sdn(data: bytes) -> list[tuple[str, str, str, str, list[str]]]:
    """(uid, name, type, programs, aliases) per entry; refuses anything not in the layout."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.replace("\x1a", "")  # the official file ends with a DOS end-of-file byte
    entries = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != COLUMNS:
            raise SanctionsFileError(
                f"row {number}: {len(row)} columns, the SDN layout has {COLUMNS}"
            )
        uid, name = _value(row[0]), _value(row[1])
        if not uid.isdigit():
            raise SanctionsFileError(f"row {number}, column 1 (ent_num): not a number: {uid!r}")
        if not name:
            raise SanctionsFileError(f"row {number}, column 2 (SDN_Name): empty")
        aliases = [a.strip() for a in _ALIAS.findall(_value(row[11])) if a.strip()]
        entries.append((uid, name, _value(row[2]), _value(row[3]), aliases))
    if not entries:
        raise SanctionsFileError("the file holds no entries")
    return entries


@transaction.atomic
def import_sdn(path: Path, *, source: str = "ofac_sdn") -> ImportResult:
    """Store the list and make it the active one for its source (public schema)."""
    data = path.read_bytes()
    entries = parse_sdn(data)
    previous = list(SanctionsList.objects.select_for_update().filter(source=source, active=True))
    names: list[SanctionsName] = []
    imported = SanctionsList.objects.create(
        source=source,
        file_name=path.name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        entry_count=len(entries),
        name_count=0,
    )
    for uid, name, entry_type, programs, aliases in entries:
        for alias_flag, value in [(False, name), *((True, a) for a in aliases)]:
            names.append(
                SanctionsName(
                    sanctions_list=imported,
                    entry_uid=uid,
                    entry_name=name[:400],
                    name=value[:400],
                    normalized=normalize(value)[:400],
                    is_alias=alias_flag,
                    entry_type=entry_type[:40],
                    programs=programs[:200],
                )
            )
    SanctionsName.objects.bulk_create(names, batch_size=2000)
    imported.name_count = len(names)
    imported.save(update_fields=["name_count"])
    for old in previous:
        old.active = False
        old.save(update_fields=["active"])
        old.names.all().delete()  # the header and its hash stay as evidence
    return ImportResult(sanctions_list=imported, entries=len(entries), names=len(names))
