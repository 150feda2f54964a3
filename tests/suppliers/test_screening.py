"""Sanctions screening on an excerpt of the real OFAC SDN file: exact, alias and fuzzy hits,
no hit for different names, re-screen on import, and the compliance review."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from apps.controls.refusals import InvalidTransition, PermissionRefused, ValidationFailed
from apps.sanctions.importer import SanctionsFileError, parse_sdn
from apps.sanctions.matching import normalize, screen_name
from apps.suppliers.models import ScreeningHit, Supplier
from apps.suppliers.services.checks import supplier_checks_run
from apps.suppliers.services.screening import screening_hit_resolve
from tests.suppliers.conftest import SDN_EXCERPT, invite

THRESHOLD = 88


def test_the_excerpt_parses_with_aliases() -> None:
    entries = {
        uid: (name, aliases) for uid, name, _t, _p, aliases in parse_sdn(SDN_EXCERPT.read_bytes())
    }
    assert entries["306"] == ("BANCO NACIONAL DE CUBA", ["BNC"])
    assert len(entries) == 1000


def test_a_file_in_another_layout_is_refused() -> None:
    with pytest.raises(SanctionsFileError, match="row 1"):
        parse_sdn(b"name;country\nACME;US\n")


def test_normalisation_drops_case_punctuation_and_legal_forms() -> None:
    assert normalize("Bánco-Nacional de Cuba, S.A.") == "banco nacional cuba"
    assert normalize("ACME GmbH") == normalize("Acme Ltd.") == "acme"


@pytest.mark.parametrize(
    ("name", "entry", "kind"),
    [
        ("AEROCARIBBEAN AIRLINES", "AEROCARIBBEAN AIRLINES", "exact"),
        ("Aerocaribbean Airlines Ltd.", "AEROCARIBBEAN AIRLINES", "exact"),
        ("BNC", "BANCO NACIONAL DE CUBA", "alias"),
        ("Banco Nacional de Kuba S.A.", "BANCO NACIONAL DE CUBA", "fuzzy"),
        ("Aerocaribean Airlines", "AEROCARIBBEAN AIRLINES", "fuzzy"),
    ],
)
def test_hits(sanctions: Any, name: str, entry: str, kind: str) -> None:
    matches = screen_name(name, threshold=THRESHOLD)
    assert matches, f"{name} should match {entry}"
    assert matches[0].entry_name == entry
    assert matches[0].kind == kind


@pytest.mark.parametrize(
    "name",
    ["Contoso Office Supply", "Fabrikam Security Services", "Banco Santander", "Cuba Libre Bar"],
)
def test_clearly_different_names_do_not_hit(sanctions: Any, name: str) -> None:
    assert screen_name(name, threshold=THRESHOLD) == []


def test_a_supplier_is_rescreened_when_a_list_is_imported(
    sorg: Any, in_tenant: Any, tmp_path: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg, "Havanatur Chile SA", country="CL")
        supplier_checks_run(supplier_id=supplier.pk)
        assert not ScreeningHit.objects.filter(supplier=supplier).exists()
    call_command("import_sanctions", str(SDN_EXCERPT), "--now", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with in_tenant(sorg.tenant):
        hit = ScreeningHit.objects.get(supplier=supplier)
        assert hit.entry_name == "HAVANATUR CHILE S.A."
        supplier.refresh_from_db()
        assert supplier.screening == Supplier.Screening.POTENTIAL_MATCH
        assert any(r["code"] == "screening_potential_match" for r in supplier.risk_reasons)


def test_review_true_match_blocks_and_false_positive_clears(
    sorg: Any, in_tenant: Any, sanctions: Any
) -> None:
    with in_tenant(sorg.tenant):
        bad = invite(sorg, "Banco Nacional de Kuba", country="PA")
        innocent = invite(sorg, "Aerocaribean Airlines", country="ES")
        for s in (bad, innocent):
            supplier_checks_run(supplier_id=s.pk)
        bad_hit = ScreeningHit.objects.get(supplier=bad)
        fine_hit = ScreeningHit.objects.get(supplier=innocent)
        with pytest.raises(PermissionRefused):
            screening_hit_resolve(
                actor=sorg.buyer, hit_id=bad_hit.pk, decision="true_match", reason="x"
            )
        with pytest.raises(ValidationFailed):
            screening_hit_resolve(
                actor=sorg.compliance, hit_id=fine_hit.pk, decision="false_positive", reason=" "
            )
        screening_hit_resolve(
            actor=sorg.compliance,
            hit_id=bad_hit.pk,
            decision="true_match",
            reason="Same bank, same address",
        )
        screening_hit_resolve(
            actor=sorg.compliance,
            hit_id=fine_hit.pk,
            decision="false_positive",
            reason="Spanish charter airline founded 2019, not the Cuban carrier",
        )
        with pytest.raises(InvalidTransition):
            screening_hit_resolve(
                actor=sorg.compliance, hit_id=fine_hit.pk, decision="true_match", reason="x"
            )
        bad.refresh_from_db()
        innocent.refresh_from_db()
        assert bad.status == Supplier.Status.BLOCKED
        assert bad.screening == Supplier.Screening.CONFIRMED_MATCH
        assert innocent.screening == Supplier.Screening.CLEAR
        # screening again does not raise the cleared hit a second time
        supplier_checks_run(supplier_id=innocent.pk)
        assert ScreeningHit.objects.filter(supplier=innocent).count() == 1
        innocent.refresh_from_db()
        assert innocent.screening == Supplier.Screening.CLEAR


def test_review_queue_api_and_page(
    sorg: Any, in_tenant: Any, sanctions: Any, api_for: Any, client: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg, "Banco Nacional de Kuba", country="PA")
        supplier_checks_run(supplier_id=supplier.pk)
    queue = api_for(sorg.tenant, sorg.compliance).get("/api/v1/screening-hits/").json()
    assert [h["supplier_name"] for h in queue["results"]] == ["Banco Nacional de Kuba"]
    assert api_for(sorg.tenant, sorg.buyer).get("/api/v1/screening-hits/").status_code == 403
    hit_id = queue["results"][0]["id"]
    resolved = api_for(sorg.tenant, sorg.compliance).post(
        f"/api/v1/screening-hits/{hit_id}/resolve/",
        {"decision": "false_positive", "reason": "Different registration number"},
        format="json",
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "false_positive"
    client.force_login(sorg.compliance)
    page = client.get("/suppliers/screening/?status=false_positive", HTTP_HOST="a.localhost")
    assert b"Different registration number" in page.content


def test_only_compliance_lifts_a_block(
    sorg: Any, in_tenant: Any, sanctions: Any, api_for: Any
) -> None:
    with in_tenant(sorg.tenant):
        supplier = invite(sorg, "Banco Nacional de Kuba", country="PA")
        supplier_checks_run(supplier_id=supplier.pk)
        screening_hit_resolve(
            actor=sorg.compliance,
            hit_id=supplier.screening_hits.get().pk,
            decision="true_match",
            reason="Same registry",
        )
    url = f"/api/v1/suppliers/{supplier.pk}/reopen/"
    refused = api_for(sorg.tenant, sorg.buyer).post(url, {"reason": "looks fine"}, format="json")
    assert refused.status_code == 403
    reopened = api_for(sorg.tenant, sorg.compliance).post(
        url, {"reason": "Delisted by OFAC on review"}, format="json"
    )
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "onboarding"
