"""The policy's retention section: defaults by country, overrides, the legal minimum, and the
partner template fields that lock or set it."""

from __future__ import annotations

from typing import Any

import pytest

from apps.controls.refusals import ValidationFailed
from apps.invoices.models import Invoice
from apps.policies.document import DEFAULT_POLICY, validate_document
from apps.policies.managed import FIELD_PATHS, field_label, fields_errors
from apps.policies.retention_section import years_for
from apps.policies.services import policy_draft_create, policy_publish

from .conftest import dated_invoice, purge, years_ago


def test_defaults_come_from_the_country_and_unknown_countries_keep_the_longest() -> None:
    section = validate_document(DEFAULT_POLICY)["retention"]
    assert years_for(section, "invoices", "DE") == 10
    assert years_for(section, "invoices", "US") == 7
    assert years_for(section, "payment_evidence", "US") == 7
    assert years_for(section, "invoices", "JP") == 10
    assert years_for(section, "invoices", None) == 10
    assert section["mail_quarantine_days"] == 30
    assert section["rejected_supplier_applications_days"] == 365


def test_a_period_below_the_legal_minimum_is_refused() -> None:
    from apps.policies.document import PolicyError

    with pytest.raises(PolicyError) as refused:
        validate_document({**DEFAULT_POLICY, "retention": {"invoices": {"DE": 7, "US": 2}}})
    assert refused.value.errors["retention.invoices.DE"] == [
        "7 years is below the legal minimum of 8 years for legal entities in DE."
    ]
    assert "retention.invoices.US" in refused.value.errors
    for bad in ({"invoices": {"de": 10}}, {"mail_quarantine_days": 0}, {"forever": 1}):
        with pytest.raises(PolicyError):
            validate_document({**DEFAULT_POLICY, "retention": bad})
    ok = validate_document({**DEFAULT_POLICY, "retention": {"invoices": {"US": 5}}})
    assert ok["retention"]["invoices"] == {"US": 5}


def test_partner_templates_can_lock_retention() -> None:
    assert {"retention.invoices", "retention.mail_quarantine_days"} <= set(FIELD_PATHS)
    assert fields_errors({"retention.invoices": "locked"}) == {}
    assert field_label("retention.payment_evidence") == "Retention \u203a payment evidence"


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_factors")  # publishing asks for a fresh second factor
def test_a_published_override_moves_the_cutoff(aporg: Any, receive: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        invoice = dated_invoice(aporg, receive, "US-6", on=years_ago(6), entity="US01")
        with pytest.raises(ValidationFailed):
            policy_draft_create(
                actor=aporg.org.admin,
                document={**DEFAULT_POLICY, "retention": {"invoices": {"DE": 5}}},
            )
        draft = policy_draft_create(
            actor=aporg.org.admin,
            document={**DEFAULT_POLICY, "retention": {"invoices": {"US": 5}}},
        )
        policy_publish(actor=aporg.org.admin, version=draft)
        run = purge()["invoices"]
        assert not Invoice.objects.filter(pk=invoice.pk).exists()
        assert run.cutoff["US"].startswith(str(years_ago(5).year))
