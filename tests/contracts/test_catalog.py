"""The contracted catalog: CSV import (a bad cell refuses the whole file, naming row and
column; nothing is created), search as you type, and catalog lines on requisitions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.contracts.models import CatalogItem
from apps.contracts.services.catalog import catalog_import
from apps.controls.refusals import PermissionRefused, ValidationFailed
from apps.procurement.services.requisitions import requisition_create, requisition_submit
from tests.conftest import count_queries, host_of
from tests.org import Org, supplier_for

from .conftest import register_contract

pytestmark = pytest.mark.django_db

HEADER = "contract,sku,description,unit,unit_price,currency,spend_category,valid_until\n"


def csv_file(body: str, header: str = HEADER) -> SimpleUploadedFile:
    return SimpleUploadedFile("catalog.csv", (header + body).encode(), content_type="text/csv")


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("CT-9999,T1,Toner,each,12.50,USD,FAC,", "row 3, contract"),
        # a decimal comma splits the price: the cells after it shift
        ("CT-0001,T1,Toner,each,12,50,USD,FAC", "row 3, currency"),
        ("CT-0001,T1,Toner,each,12,50,USD,FAC,,", "row 3"),  # more cells than columns
        ("CT-0001,T1,Toner,each,twelve,USD,FAC,", "row 3, unit_price"),
        ("CT-0001,T1,Toner,each,-1,USD,FAC,", "row 3, unit_price"),
        ("CT-0001,T1,Toner,each,12.50,EUR,FAC,", "row 3, currency"),
        ("CT-0001,T1,Toner,each,12.50,USD,MKT,", "row 3, spend_category"),
        ("CT-0001,T1,Toner,each,12.50,USD,NOPE,", "row 3, spend_category"),
        ("CT-0001,T1,,each,12.50,USD,FAC,", "row 3, description"),
        ("CT-0001,T1,Toner,each,12.50,USD,FAC,31.12.2026", "row 3, valid_until"),
        ("CT-0001,P1,Paper again,ream,4.00,USD,FAC,", "row 3, sku"),  # listed on row 2
        # cells a spreadsheet would run as a formula
        ('CT-0001,T1,"=HYPERLINK(""https://evil.example"")",each,1,USD,FAC,', "row 3, description"),
        ("CT-0001,@SUM(A1),Toner,each,12.50,USD,FAC,", "row 3, sku"),
        ("CT-0001,T1,Toner,+each,12.50,USD,FAC,", "row 3, unit"),
        ("CT-0001,T1,Toner,\t-cmd,12.50,USD,FAC,", "row 3, unit"),
        ("CT-0001,T1,Ton\x00er,each,12.50,USD,FAC,", "row 3, description"),  # a NUL in a cell
        ("CT-0001,T1,Toner,each,12.50,usd,FAC,", "row 3, currency"),  # ISO 4217 is upper case
    ],
)
def test_a_bad_cell_refuses_the_file_naming_row_and_column(
    row: str, where: str, org: Org, in_tenant: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        register_contract(org.buyer, supplier)
        good = "CT-0001,P1,Copy paper A4,ream,4.20,USD,FAC,\n"
        with pytest.raises(ValidationFailed) as refused:
            catalog_import(actor=org.buyer, upload=csv_file(good + row + "\n"))
        assert where in (refused.value.errors or {}), refused.value.errors
        assert "Nothing was imported" in str(refused.value.detail)
        assert CatalogItem.objects.count() == 0


def test_header_and_file_refusals(org: Org, in_tenant: Any) -> None:
    with in_tenant(org.tenant):
        with pytest.raises(ValidationFailed) as missing:
            catalog_import(actor=org.buyer, upload=csv_file("x\n", header="contract,sku\n"))
        assert "description" in " ".join(missing.value.errors["header"])
        with pytest.raises(ValidationFailed) as empty:
            catalog_import(actor=org.buyer, upload=csv_file(""))
        assert "file" in empty.value.errors
        latin = SimpleUploadedFile(
            "c.csv", (HEADER + "CT-1,,Caf\xe9,,1,USD,FAC,\n").encode("latin-1")
        )
        with pytest.raises(ValidationFailed) as encoding:
            catalog_import(actor=org.buyer, upload=latin)
        assert "UTF-8" in " ".join(encoding.value.errors["file"])
        huge = csv_file("CT-0001,A," + "x" * 200_000 + ",each,1,USD,FAC,\n")
        with pytest.raises(ValidationFailed) as unreadable:
            catalog_import(actor=org.buyer, upload=huge)
        assert "file" in unreadable.value.errors
        with pytest.raises(PermissionRefused):
            catalog_import(actor=org.requester, upload=csv_file("CT-0001,,x,,1,USD,FAC,\n"))


def test_import_creates_then_updates_by_sku_and_the_form_offers_it(
    org: Org, in_tenant: Any, api_for: Any
) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        contract = register_contract(org.buyer, supplier)
        rows = (
            "CT-0001,TN-1,Black toner cartridge,each,62.00,USD,FAC,\n"
            "CT-0001,PA-4,Copy paper A4,ream,4.20,USD,FAC,\n"
            "CT-0001,,Desk lamp,each,35.00,USD,FAC,\n"
        )
        assert catalog_import(actor=org.buyer, upload=csv_file(rows)) == {
            "created": 3,
            "updated": 0,
        }
        again = "CT-0001,TN-1,Black toner cartridge XL,each,60.00,USD,FAC,\n"
        assert catalog_import(actor=org.buyer, upload=csv_file(again)) == {
            "created": 0,
            "updated": 1,
        }
        toner = CatalogItem.objects.get(sku="TN-1")
        assert toner.unit_price == Decimal("60.00") and toner.contract == contract
    api = api_for(org.tenant, org.requester)
    found = api.get("/api/v1/catalog-items/?q=toner").json()
    assert [i["description"] for i in found["results"]] == ["Black toner cartridge XL"]
    assert found["results"][0]["contract_number"] == "CT-0001"
    # the requisition form's suggestions (HTMX), as a requester types
    browser = Client(HTTP_HOST=host_of(org.tenant))
    browser.force_login(org.requester)
    page = browser.get("/contracts/catalog/?catalog_q=toner")
    assert page.status_code == 200 and b"Black toner cartridge XL" in page.content
    # a line from the catalog carries its contract and contracted price, whatever was typed
    with in_tenant(org.tenant):
        draft = requisition_create(
            actor=org.requester,
            data={
                "title": "Toner for the 3rd floor",
                "cost_center": "CC-100",
                "spend_category": "FAC",
                "legal_entity": "US01",
                "currency": "USD",
                "lines": [
                    {"catalog_item": str(toner.pk), "quantity": "3", "unit_price": "1.00"},
                ],
            },
        )
        assert draft.contract == contract and draft.supplier_id == contract.supplier_id
        (line,) = draft.lines.all()
        assert line.unit_price == Decimal("60.00") and line.description.startswith("Black toner")
        assert draft.total == Decimal("180.00")
        submitted = requisition_submit(actor=org.requester, requisition_id=draft.pk)
        assert submitted.on_contract and submitted.status == "ordered"
        order_line = submitted.purchase_order.lines.get()
        assert order_line.catalog_item_id == toner.pk


def test_catalog_lines_of_another_contract_are_refused(org: Org, in_tenant: Any) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        first = register_contract(org.buyer, supplier)
        second = register_contract(org.buyer, supplier)
        catalog_import(
            actor=org.buyer,
            upload=csv_file(
                "CT-0001,A,Stapler,each,9.00,USD,FAC,\nCT-0002,B,Shredder,each,90.00,USD,FAC,\n"
            ),
        )
        a, b = CatalogItem.objects.get(sku="A"), CatalogItem.objects.get(sku="B")
        with pytest.raises(ValidationFailed) as refused:
            requisition_create(
                actor=org.requester,
                data={
                    "title": "Mixed",
                    "cost_center": "CC-100",
                    "spend_category": "FAC",
                    "legal_entity": "US01",
                    "currency": "USD",
                    "lines": [
                        {"catalog_item": str(a.pk), "quantity": "1"},
                        {"catalog_item": str(b.pk), "quantity": "1"},
                    ],
                },
            )
        assert "lines[1].catalog_item" in refused.value.errors
        assert first.number in refused.value.errors["lines[1].catalog_item"][0]
        assert second.number in refused.value.errors["lines[1].catalog_item"][0]


def test_catalog_list_queries_stay_flat(org: Org, in_tenant: Any, api_for: Any) -> None:
    supplier = supplier_for(org, in_tenant)
    with in_tenant(org.tenant):
        register_contract(org.buyer, supplier)
    api = api_for(org.tenant, org.requester)

    def load(n: int) -> None:
        rows = "".join(f"CT-0001,S{n}-{i},Item {n}-{i},each,1.00,USD,FAC,\n" for i in range(n))
        with in_tenant(org.tenant):
            catalog_import(actor=org.buyer, upload=csv_file(rows))

    load(2)
    few = count_queries(lambda: api.get("/api/v1/catalog-items/"))
    load(30)
    many = count_queries(lambda: api.get("/api/v1/catalog-items/"))
    assert many == few
