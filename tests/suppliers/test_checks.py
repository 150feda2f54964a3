"""Each check of the supplier checks pipeline, one finding each (the bank check's finding is
in test_shared_account.py)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.suppliers.models import SupplierCheck
from apps.suppliers.services.checks import supplier_checks_run
from tests.suppliers.conftest import complete_onboarding, invite

pytestmark = pytest.mark.django_db


def _finding(supplier: Any, kind: str) -> SupplierCheck:
    return SupplierCheck.objects.filter(supplier=supplier, kind=kind).latest("ran_at")


def test_tax_id_check_fails_without_one_and_passes_a_valid_one(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        supplier_checks_run(supplier_id=supplier.pk)
        missing = _finding(supplier, "tax_id")
        assert (missing.outcome, missing.summary) == ("fail", "No tax id given.")
        complete_onboarding(sorg, supplier, tax_id="DE136695976")
        supplier_checks_run(supplier_id=supplier.pk)
        valid = _finding(supplier, "tax_id")
        assert valid.outcome == "pass" and valid.evidence["tax_id"] == "DE136695976"


def test_sanctions_check_warns_without_a_list(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        supplier_checks_run(supplier_id=supplier.pk)
        check = _finding(supplier, "sanctions")
        assert check.outcome == "warn" and "No sanctions list is loaded" in check.summary


def test_sanctions_check_fails_on_a_hit_and_passes_a_clear_name(
    sorg: Any, in_tenant: Any, sanctions: Any
) -> None:
    with in_tenant(sorg.tenant):
        hit = invite(sorg, "Banco Nacional de Kuba", country="PA")
        clear = invite(sorg, "Contoso Office Supply")
        for supplier in (hit, clear):
            supplier_checks_run(supplier_id=supplier.pk)
        failed = _finding(hit, "sanctions")
        assert failed.outcome == "fail"
        assert failed.summary == "1 possible match(es) awaiting review; confirmed: no."
        assert failed.evidence["matches"]
        passed = _finding(clear, "sanctions")
        assert passed.outcome == "pass" and passed.summary.startswith("No match at score")
        assert passed.evidence["matches"] == []


def test_documents_check_names_the_missing_documents_until_they_are_uploaded(
    sorg: Any, in_tenant: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        supplier_checks_run(supplier_id=supplier.pk)
        missing = _finding(supplier, "documents")
        assert missing.outcome == "fail" and "Missing: —" not in missing.summary
        complete_onboarding(sorg, supplier)
        supplier_checks_run(supplier_id=supplier.pk)
        complete = _finding(supplier, "documents")
        assert complete.outcome == "pass" and "Missing: —. Expired: —." in complete.summary
        assert {d["type"] for d in complete.evidence["current"]} >= set(
            complete.evidence["required"]
        )


def test_risk_check_reports_the_score_and_its_reasons(sorg: Any, in_tenant: Any) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg)
        checked = supplier_checks_run(supplier_id=supplier.pk)
        risk = _finding(supplier, "risk")
        assert risk.summary == f"Score {checked.risk_score}: {checked.risk_tier} risk."
        assert risk.outcome == {"low": "pass", "medium": "warn", "high": "fail"}[checked.risk_tier]
        assert "tax_id_invalid" in {r["code"] for r in risk.evidence["reasons"]}
