"""docs/insights.md shows every KPI of apps/insights/kpis.py with its exact formula."""

from __future__ import annotations

import re

from apps.insights.kpis import KPIS
from tests.conftest import ROOT


def test_the_doc_defines_every_kpi_as_the_code_does() -> None:
    doc = (ROOT / "docs" / "insights.md").read_text()
    for kpi in KPIS:
        assert f"| `{kpi.key}` | {kpi.unit} | {kpi.formula} |" in doc, kpi.key


def test_every_formula_is_in_words_not_field_names() -> None:
    """The page shows each formula under "How it is counted": a finance reader meets no column
    name (`created_at`), event code (`requisition.approved`) or actor code (`system:policy`)."""
    code = re.compile(r"`|\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z_]+\b|\bsystem:")
    for kpi in KPIS:
        assert not code.search(str(kpi.formula)), (kpi.key, str(kpi.formula))
