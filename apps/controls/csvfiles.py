"""The one CSV writer of the product, and the guard every CSV import runs on its cells.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and a leading
tab or carriage return can hide one), so a supplier name or an ERP value such as
`=HYPERLINK("https://evil.example", "Open")` written verbatim into an export would act when a
clerk opens the file (OWASP "CSV injection"). The writer prefixes such a cell with a single
quote, which spreadsheets show as text; a plain number (`-12.50`, `+3`, `-1E+2`) is no formula
and stays a number. Imports refuse such a cell with the row and column, rather than store a
value every later export would have to carry disarmed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula(value: object) -> bool:
    """Whether a spreadsheet would read the cell as a formula (a plain number is none);
    leading blanks do not hide one (` =HYPERLINK(…)`)."""
    if not isinstance(value, str):
        return False
    head = value.lstrip(" \n")
    return head.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(head) is None


def neutralised(value: object) -> object:
    """The cell as written: a formula-looking text prefixed with a single quote."""
    return "'" + value if isinstance(value, str) and is_formula(value) else value


class CsvWriter:
    """csv.writer's writerow/writerows, each cell neutralised first."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralised(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def formula_cells(row: Mapping[str, object]) -> list[str]:
    """The columns of an imported row whose cell is a formula (`is_formula`, the writer's
    own test)."""
    return [column for column, value in row.items() if is_formula(value)]
