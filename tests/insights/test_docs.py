"""docs/insights.md shows every KPI of apps/insights/kpis.py with its exact formula."""

from __future__ import annotations

from apps.insights.kpis import KPIS
from tests.conftest import ROOT


def test_the_doc_defines_every_kpi_as_the_code_does() -> None:
    doc = (ROOT / "docs" / "insights.md").read_text()
    for kpi in KPIS:
        assert f"| `{kpi.key}` | {kpi.unit} | {kpi.formula} |" in doc, kpi.key
