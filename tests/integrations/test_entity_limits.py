"""Legal-entity limits of a service account (docs/integrations.md): a key limited to US01 reads
and writes only US01's documents — reference data, orders, goods receipts, invoices,
exceptions, the export, contracts, the catalog, contract spend, payment runs, bank statements
and e-mail intake. Outside the limit a document does not exist for the key: lists leave it
out, a detail is 404, a write naming it is refused as an unknown one is. A key of every entity
still sees both, and the limit costs no query per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.services import user_ensure
from apps.contracts.models import CatalogItem, Contract
from apps.contracts.services.catalog import catalog_item_create
from apps.controls.entities import limit_to_entities
from apps.controls.refusals import NotFound, ValidationFailed
from apps.demo.bank import debit_notification
from apps.inbox.models import MailMessage
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.services.receive import invoice_create
from apps.matching.services.outcome import invoices_match
from apps.organization.models import Budget, CostCenter, LegalEntity
from apps.payments.models import BankStatement, PaymentRun
from apps.payments.services.runs import payment_proposal_create, payment_run_release
from apps.payments.services.statements import statement_import
from apps.procurement.models import GoodsReceipt, PurchaseOrder, Requisition
from apps.procurement.services.receiving import goods_receipt_post
from apps.procurement.services.requisitions import requisition_create
from tests.conftest import count_queries, host_of
from tests.contracts.conftest import register_contract
from tests.invoices.conftest import add_bank_account, invoice_body, make_order, validated
from tests.org import requisition_body

from .conftest import approved_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]

SCOPES = [
    "reference:read",
    "invoices:read",
    "invoices:write",
    "invoices:export",
    "purchase_orders:read",
    "contracts:read",
    "contracts:write",
    "payments:read",
    "payments:write",
]


@dataclass
class Side:
    """One legal entity's documents."""

    invoice: Invoice
    order: PurchaseOrder
    receipt: GoodsReceipt
    exception: InvoiceException
    contract: Contract
    run: PaymentRun
    statement: BankStatement
    mail: MailMessage


@dataclass
class World:
    us: Side
    de: Side
    shared: Contract  # binds US01 and DE01
    limited: APIClient  # a key limited to US01
    wide: APIClient  # a key of every entity
    tenant: Any


def _keyed(tenant: Any, key: str) -> APIClient:
    client = APIClient(HTTP_HOST=host_of(tenant))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _key(admin: APIClient, tenant: Any, **body: Any) -> APIClient:
    made = admin.post(
        "/api/v1/service-accounts/", {"name": "ERP", "scopes": SCOPES, **body}, format="json"
    )
    assert made.status_code == 201, made.content
    client = _keyed(tenant, made.json()["key"])
    assert client.get("/api/v1/legal-entities/").status_code == 200  # first use recorded
    return client


def _side(aporg: Any, receive: Any, entity: str, n: int, contract: Contract) -> Side:
    """An approved invoice due today, another waiting on a receipt (an exception), a released
    run paying the first, a bank statement confirming it and the mail that brought it."""
    invoice = approved_invoice(aporg, receive, f"{entity}-{n}", entity=entity, quantity=str(n))
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate())
    currency = "USD" if entity == "US01" else "EUR"
    waiting = make_order(aporg, [("Dock", "3", "80.00")], entity=entity, currency=currency)
    held = invoice_create(
        actor=aporg.clerk, data=validated(invoice_body(waiting, number=f"{entity}-W{n}"))
    )
    invoices_match(invoice_ids=[held.pk])
    mail = MailMessage.objects.create(  # arranged directly: intake has its own tests
        message_id=f"<{entity}-{n}@mail.test>",
        source="api",
        sender=aporg.supplier.email,
        status=MailMessage.Status.RECEIVED,
        supplier=aporg.supplier,
        attachments=[
            {"name": "i.xml", "invoices": [{"id": str(invoice.pk), "number": "x"}]},
            {"name": "w.xml", "invoices": [{"id": str(held.pk), "number": "y"}]},
        ],
    )
    return Side(
        invoice=invoice,
        order=invoice.purchase_order,
        receipt=GoodsReceipt.objects.get(purchase_order=invoice.purchase_order),
        exception=held.exceptions.order_by("created_at", "pk").first(),
        contract=contract,
        run=PaymentRun(),
        statement=BankStatement(),
        mail=mail,
    )


@pytest.fixture
def world(aporg: Any, receive: Any, in_tenant: Any, api_for: Any) -> World:
    with in_tenant(aporg.tenant):
        contracts = {
            entities: register_contract(
                aporg.buyer,
                aporg.supplier.pk,
                legal_entities=list(entities),
                currency="EUR" if entities == ("DE01",) else "USD",
            )
            for entities in (("US01",), ("DE01",), ("US01", "DE01"))
        }
        for entities, contract in contracts.items():
            catalog_item_create(
                actor=aporg.buyer,
                data={
                    "contract": str(contract.pk),
                    "description": f"Toner for {'+'.join(entities)}",
                    "unit_price": "10.00",
                    "spend_category": "IT-HW",
                },
            )
        us = _side(aporg, receive, "US01", 7, contracts[("US01",)])
        de = _side(aporg, receive, "DE01", 9, contracts[("DE01",)])
        add_bank_account(aporg.supplier, by=aporg.clerk)
        runs = {run.legal_entity.code: run for run in payment_proposal_create(actor=aporg.clerk)}
        releaser = user_ensure(email="rel@a.test", password="x-pass-2026!", roles=["ap_manager"])
        for side, code in ((us, "US01"), (de, "DE01")):
            side.run = payment_run_release(actor=releaser, run_id=runs[code].pk)
        # ordered spend in each entity's currency, submitted today
        Requisition.objects.update(submitted_at=timezone.now(), entity_total=F("total"))
    admin = api_for(aporg.tenant, aporg.org.admin)
    limited = _key(admin, aporg.tenant, legal_entities=["US01"])
    wide = _key(admin, aporg.tenant)
    # the bank confirms both runs to AP
    with in_tenant(aporg.tenant):
        for side in (us, de):
            result = statement_import(
                actor=aporg.apmanager,
                upload=SimpleUploadedFile(
                    "n.xml", debit_notification(side.run.pain001, message_id=f"NTF-{side.run}")
                ),
            )
            assert result["matched"] == 1, result
            side.statement = BankStatement.objects.get(pk=result["statement"])
    return World(us, de, contracts[("US01", "DE01")], limited, wide, aporg.tenant)


def _ids(answer: Any, field: str = "id") -> set[str]:
    assert answer.status_code == 200, answer.content
    return {str(row[field]) for row in answer.json()["results"]}


def test_lists_leave_out_the_other_entity_and_a_wide_key_sees_both(
    world: World, in_tenant: Any
) -> None:
    us, de = world.us, world.de
    with in_tenant(world.tenant):
        centers = {c.code: str(c.pk) for c in CostCenter.objects.all()}
        budgets = {
            b.cost_center.code: str(b.pk) for b in Budget.objects.select_related("cost_center")
        }
    both = {
        "/api/v1/legal-entities/": ("code", {"US01"}, {"US01", "DE01"}),
        "/api/v1/cost-centers/": (
            "id",
            {centers["CC-100"], centers["CC-200"]},
            set(centers.values()),
        ),
        "/api/v1/budgets/": ("cost_center", {"CC-100", "CC-200"}, {"CC-100", "CC-200", "CC-300"}),
        "/api/v1/purchase-orders/": ("legal_entity", {"US01"}, {"US01", "DE01"}),
        "/api/v1/goods-receipts/": (
            "id",
            {str(us.receipt.pk)},
            {str(us.receipt.pk), str(de.receipt.pk)},
        ),
        "/api/v1/invoices/": (
            "invoice_number",
            {"US01-7", "US01-W7"},
            {"US01-7", "US01-W7", "DE01-9", "DE01-W9"},
        ),
        "/api/v1/exceptions/": ("invoice_number", {"US01-W7"}, {"US01-W7", "DE01-W9"}),
        "/api/v1/invoices/export/?status=paid": ("number", {"US01-7"}, {"US01-7", "DE01-9"}),
        "/api/v1/contracts/": (
            "id",
            {str(us.contract.pk), str(world.shared.pk)},
            {str(us.contract.pk), str(de.contract.pk), str(world.shared.pk)},
        ),
        "/api/v1/catalog-items/": (
            "description",
            {"Toner for US01", "Toner for US01+DE01"},
            {"Toner for US01", "Toner for DE01", "Toner for US01+DE01"},
        ),
        "/api/v1/payment-runs/": ("legal_entity", {"US01"}, {"US01", "DE01"}),
        "/api/v1/invoices/mail/": ("id", {str(us.mail.pk)}, {str(us.mail.pk), str(de.mail.pk)}),
    }
    assert "CC-300" in budgets  # DE01's center has its budget
    for path, (field, limited, wide) in both.items():
        assert _ids(world.limited.get(path), field) == limited, path
        assert _ids(world.wide.get(path), field) >= wide, path
    # bank statements: the one that confirmed US01's run
    statements = "/api/v1/payments/statements/"
    assert _ids(world.limited.get(statements)) == {str(us.statement.pk)}
    assert _ids(world.wide.get(statements)) == {str(us.statement.pk), str(de.statement.pk)}
    # a filter naming the other entity finds nothing, as an unknown code does
    assert (
        world.limited.get("/api/v1/invoices/export/?status=paid&legal_entity=DE01").json()["count"]
        == 0
    )
    assert (
        world.wide.get("/api/v1/invoices/export/?status=paid&legal_entity=DE01").json()["count"]
        == 1
    )
    assert world.limited.get("/api/v1/legal-entities/?code=DE01").json()["count"] == 0
    # contract spend: US01's orders only (in its currency)
    spend = world.limited.get("/api/v1/contracts/spend/").json()
    assert set(spend["totals"]) == {"USD"}
    assert set(world.wide.get("/api/v1/contracts/spend/").json()["totals"]) == {"USD", "EUR"}


def test_a_detail_of_the_other_entity_is_not_found(world: World, in_tenant: Any) -> None:
    us, de = world.us, world.de
    with in_tenant(world.tenant):
        de01 = LegalEntity.objects.get(code="DE01").pk
        cc300 = CostCenter.objects.get(code="CC-300").pk
        budget = Budget.objects.get(cost_center__code="CC-300").pk
    paths = [
        (f"/api/v1/legal-entities/{de01}/", None),
        (f"/api/v1/cost-centers/{cc300}/", None),
        (f"/api/v1/budgets/{budget}/", None),
        (f"/api/v1/purchase-orders/{de.order.pk}/", f"/api/v1/purchase-orders/{us.order.pk}/"),
        (f"/api/v1/goods-receipts/{de.receipt.pk}/", f"/api/v1/goods-receipts/{us.receipt.pk}/"),
        (f"/api/v1/invoices/{de.invoice.pk}/", f"/api/v1/invoices/{us.invoice.pk}/"),
        (f"/api/v1/exceptions/{de.exception.pk}/", f"/api/v1/exceptions/{us.exception.pk}/"),
        (f"/api/v1/contracts/{de.contract.pk}/", f"/api/v1/contracts/{us.contract.pk}/"),
        (f"/api/v1/payment-runs/{de.run.pk}/", f"/api/v1/payment-runs/{us.run.pk}/"),
        (
            f"/api/v1/payment-runs/{de.run.pk}/pain001/",
            f"/api/v1/payment-runs/{us.run.pk}/pain001/",
        ),
        (f"/api/v1/payment-runs/{de.run.pk}/csv/", f"/api/v1/payment-runs/{us.run.pk}/csv/"),
    ]
    for outside, inside in paths:
        refused = world.limited.get(outside)
        assert refused.status_code == 404, (outside, refused.content)
        assert refused.json()["code"] == "not_found"
        assert world.wide.get(outside).status_code == 200, outside
        if inside:
            assert world.limited.get(inside).status_code == 200, inside
    # a contract shared with DE01 is read (it binds US01 too)
    assert world.limited.get(f"/api/v1/contracts/{world.shared.pk}/").status_code == 200


def test_writes_on_the_other_entity_are_refused(world: World, aporg: Any, in_tenant: Any) -> None:
    us, de = world.us, world.de
    key = world.limited
    with in_tenant(world.tenant):
        de_body = invoice_body(
            make_order(aporg, [("Chair", "2", "99.00")], entity="DE01"), number="K-DE"
        )
        us_body = invoice_body(
            make_order(aporg, [("Chair", "2", "99.00")], entity="US01", currency="USD"),
            number="K-US",
        )
    # an invoice on a DE01 order: refused as an order that does not exist
    unknown = {**us_body, "purchase_order": "00000000-0000-0000-0000-000000000001"}
    for body in (de_body, unknown):
        refused = key.post("/api/v1/invoices/", body, format="json")
        assert refused.status_code == 422, refused.content
        assert refused.json()["code"] == "validation_error"
        assert "purchase_order" in refused.json()["errors"]
    # the same body from a key of every entity files it
    assert world.wide.post("/api/v1/invoices/", de_body, format="json").status_code == 201
    # without an order the invoice would belong to no entity the key may read
    no_order = {**us_body, "purchase_order": None, "invoice_number": "K-NONE"}
    no_order["lines"] = [
        {k: v for k, v in line.items() if k != "po_line"} for line in us_body["lines"]
    ]
    refused = key.post("/api/v1/invoices/", no_order, format="json")
    assert refused.status_code == 422 and "purchase_order" in refused.json()["errors"]
    filed = key.post("/api/v1/invoices/", us_body, format="json")
    assert filed.status_code == 201, filed.content

    # contracts: another entity named is unknown; DE01's contract is not found; one shared
    # with DE01 is read but not changed
    with in_tenant(world.tenant):
        supplier = str(aporg.supplier.pk)
    new = {
        "number": "CT-K1",
        "title": "Key's contract",
        "supplier": supplier,
        "legal_entities": ["DE01"],
        "spend_categories": ["IT-HW"],
        "starts_on": str(timezone.localdate()),
        "ends_on": str(timezone.localdate() + timedelta(days=300)),
        "value_cap": "1000.00",
        "currency": "USD",
    }
    refused = key.post("/api/v1/contracts/", new, format="json")
    assert refused.status_code == 422 and "legal_entities" in refused.json()["errors"]
    assert "DE01" in refused.json()["errors"]["legal_entities"][0]
    assert (
        key.post(
            "/api/v1/contracts/", {**new, "legal_entities": ["US01"]}, format="json"
        ).status_code
        == 201
    )
    for method, path, body in (
        ("patch", f"/api/v1/contracts/{de.contract.pk}/", {"title": "x", "reason": "y"}),
        ("post", f"/api/v1/contracts/{de.contract.pk}/terminate/", {"reason": "y"}),
        ("post", "/api/v1/catalog-items/", {"contract": str(de.contract.pk), "description": "x",
                                            "unit_price": "1.00", "spend_category": "IT-HW"}),
        ("post", f"/api/v1/payment-runs/{de.run.pk}/confirm/", {"reference": "x"}),
    ):  # fmt: skip
        refused = getattr(key, method)(path, body, format="json")
        assert refused.status_code == 404, (path, refused.content)
        assert refused.json()["code"] == "not_found"
    for method, path, body in (
        ("patch", f"/api/v1/contracts/{world.shared.pk}/", {"title": "x", "reason": "y"}),
        ("post", "/api/v1/catalog-items/", {"contract": str(world.shared.pk), "description": "x",
                                            "unit_price": "1.00", "spend_category": "IT-HW"}),
    ):  # fmt: skip
        refused = getattr(key, method)(path, body, format="json")
        assert refused.status_code == 403, (path, refused.content)
        assert refused.json()["code"] == "permission_denied"
    # a bank statement of DE01's run: its debit is no payment of the key's (nothing confirmed,
    # and the file belongs to no entity); to a key of every entity it was confirmed already
    with in_tenant(world.tenant):
        notification = debit_notification(de.run.pain001, message_id="NTF-DE-KEY")
    posted = key.post(
        "/api/v1/payments/statements/",
        {"file": SimpleUploadedFile("de.xml", notification)},
        format="multipart",
    )
    assert posted.status_code == 201, posted.content
    assert (posted.json()["matched"], posted.json()["already_confirmed"]) == (0, 0)
    [unmatched] = posted.json()["unmatched"]
    assert "No payment of ours" in unmatched["reason"]
    assert posted.json()["statement"] not in _ids(key.get("/api/v1/payments/statements/"))
    with in_tenant(world.tenant):
        again = debit_notification(de.run.pain001, message_id="NTF-DE-WIDE")
    confirmed = world.wide.post(
        "/api/v1/payments/statements/",
        {"file": SimpleUploadedFile("de.xml", again)},
        format="multipart",
    ).json()
    assert (confirmed["matched"], confirmed["already_confirmed"]) == (0, 1)

    # a catalog CSV: DE01's contract is unknown to the key, the shared one is not its to change
    rows = [("DE", de.contract, "EUR"), ("SH", world.shared, "USD"), ("US", us.contract, "USD")]
    csv = "contract,sku,description,unit,unit_price,currency,spend_category\n" + "".join(
        f"{c.number},{sku},Paper {sku},box,5.00,{cur},IT-HW\n" for sku, c, cur in rows
    )
    refused = key.post(
        "/api/v1/catalog-items/import/",
        {"file": SimpleUploadedFile("items.csv", csv.encode())},
        format="multipart",
    )
    assert refused.status_code == 422, refused.content
    errors = refused.json()["errors"]
    assert set(errors) == {"row 2, contract", "row 3, contract"}, errors
    assert "No contract" in errors["row 2, contract"][0]
    assert "outside" in errors["row 3, contract"][0]
    imported = world.wide.post(
        "/api/v1/catalog-items/import/",
        {"file": SimpleUploadedFile("items.csv", csv.encode())},
        format="multipart",
    )
    assert imported.status_code == 200 and imported.json()["created"] == 3, imported.content

    amended = key.patch(
        f"/api/v1/contracts/{us.contract.pk}/", {"title": "Renamed", "reason": "y"}, format="json"
    )
    assert amended.status_code == 200, amended.content
    with in_tenant(world.tenant):
        de.contract.refresh_from_db()
        de.run.refresh_from_db()
        assert de.contract.status == Contract.Status.ACTIVE and de.run.status == "paid"
        assert not CatalogItem.objects.filter(description="x").exists()
        assert Contract.objects.get(pk=world.shared.pk).title != "x"


def test_services_refuse_an_actor_limited_to_another_entity(
    world: World, aporg: Any, in_tenant: Any
) -> None:
    """Requisitions and goods receipts are no key's scope yet; their services honour the limit
    the key's authentication sets, whoever calls them."""
    de = world.de
    with in_tenant(world.tenant):
        requester, receiver = aporg.org.requester, aporg.receiver
        limit_to_entities(requester, ["US01"])
        limit_to_entities(receiver, ["US01"])
        with pytest.raises(ValidationFailed) as refused:
            requisition_create(actor=requester, data=requisition_body(legal_entity="DE01"))
        assert "legal_entity" in (refused.value.errors or {})
        with pytest.raises(ValidationFailed) as refused:  # CC-300 is DE01's
            requisition_create(actor=requester, data=requisition_body(cost_center="CC-300"))
        assert "cost_center" in (refused.value.errors or {})
        made = requisition_create(actor=requester, data=requisition_body())
        assert made.legal_entity.code == "US01"
        order = make_order(aporg, [("Desk", "1", "300.00")], entity="DE01")
        line = order.lines.get()
        with pytest.raises(NotFound):
            goods_receipt_post(
                actor=receiver, order_id=order.pk, lines=[{"po_line": line.pk, "quantity": "1"}]
            )
        assert not GoodsReceipt.objects.filter(purchase_order=order).exists()
        limit_to_entities(receiver, None)  # a person unlimited again receives it
        goods_receipt_post(
            actor=receiver, order_id=order.pk, lines=[{"po_line": line.pk, "quantity": "1"}]
        )
        assert GoodsReceipt.objects.filter(purchase_order=order).exists()
        assert de.order.legal_entity.code == "DE01"


def test_the_limit_costs_no_query_per_row(
    world: World, aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """The limited key reads fewer rows than the wide one with the same queries, and more US01
    documents (an order, its receipt, invoice and exception, a contract with its catalog item,
    a mail) add none."""
    lists = [
        "/api/v1/purchase-orders/",
        "/api/v1/goods-receipts/",
        "/api/v1/invoices/",
        "/api/v1/exceptions/",
        "/api/v1/invoices/export/?status=paid",
        "/api/v1/contracts/",
        "/api/v1/catalog-items/",
        "/api/v1/payment-runs/",
        "/api/v1/payments/statements/",
        "/api/v1/invoices/mail/",
        "/api/v1/cost-centers/",
        "/api/v1/budgets/",
    ]
    before = {path: count_queries(lambda p=path: world.limited.get(p)) for path in lists}
    wide = {path: count_queries(lambda p=path: world.wide.get(p)) for path in lists}
    assert before == wide
    with in_tenant(world.tenant):
        contract = register_contract(
            aporg.buyer, aporg.supplier.pk, legal_entities=["US01"], currency="USD"
        )
        more = _side(aporg, receive, "US01", 11, contract)
        catalog_item_create(
            actor=aporg.buyer,
            data={
                "contract": str(contract.pk),
                "description": "Paper",
                "unit_price": "4.00",
                "spend_category": "IT-HW",
            },
        )
        assert more.order.legal_entity.code == "US01"
    after = {path: count_queries(lambda p=path: world.limited.get(p)) for path in lists}
    assert after == before
