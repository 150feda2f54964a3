"""A month of accounts payable for a demo tenant, written through the services: orders
received, invoices that matched touchlessly (one imported as UBL), and at least one open
exception of every code intake and matching can raise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.mfa.stepup import factor_recorded
from apps.accounts.models import User
from apps.contracts.selectors import contract_available
from apps.demo.bank import debit_notification
from apps.demo.clock import Timeline, tasks_inline
from apps.einvoices.csvfile import COLUMNS
from apps.invoices.models import Invoice, InvoiceException
from apps.invoices.services.receive import invoice_create, invoices_import
from apps.invoices.services.resolutions import exception_resolve
from apps.matching.services.outcome import invoices_match
from apps.organization.models import LegalEntity, SpendCategory
from apps.payments.models import PayingAccount
from apps.payments.services.runs import (
    payment_proposal_create,
    payment_run_release,
)
from apps.payments.services.statements import statement_import
from apps.procurement.models import PurchaseOrder
from apps.procurement.services.receiving import goods_receipt_post
from apps.procurement.services.requisitions import requisition_create, requisition_submit
from apps.suppliers.models import Supplier

from .invoice_stories import (
    ORDERED_BY,
    ORDERS,
    STORY,
    STORY_DECIDED,
    STORY_ORDER,
    STORY_WHY,
    TOUCHLESS_ORDER,
    WHY,
)

CENT = Decimal("0.01")
# Peppol BIS Billing 3.0 templates for the demo's imported invoice
UBL = (Path(__file__).parent / "files" / "demo_invoice.xml").read_text()
UBL_LINE = (Path(__file__).parent / "files" / "demo_invoice_line.xml").read_text()


def ubl_invoice(
    order: PurchaseOrder, *, number: str, issued: date, rate: str = "0", buyer: str = ""
) -> bytes:
    """A Peppol BIS Billing 3.0 invoice for an order's lines at the order's prices."""
    lines, net = [], Decimal("0")
    for line in order.lines.order_by("line_no"):
        amount = (line.quantity * line.unit_price).quantize(CENT)
        net += amount
        lines.append(
            UBL_LINE.format(
                n=line.line_no,
                qty=line.quantity,
                currency=order.currency,
                net=amount,
                description=line.description,
                rate=rate,
                price=line.unit_price.quantize(CENT),
            )
        )
    tax = (net * Decimal(rate) / 100).quantize(CENT)
    supplier = order.supplier
    assert supplier is not None
    return UBL.format(
        number=number,
        issued=issued.isoformat(),
        due=(issued + timedelta(days=30)).isoformat(),
        currency=order.currency,
        order=order.number,
        seller=supplier.name,
        tax_id=supplier.tax_id,
        buyer=buyer,
        tax=tax,
        net=net,
        rate=rate,
        total=net + tax,
        lines="\n ".join(lines),
    ).encode()


def _user(slug: str, local: str) -> User:
    return User.objects.get(email=f"{local}@{slug}.example")


def _order(
    requester: User,
    supplier: Supplier,
    title: str,
    lines: list[tuple[str, str, str]],
    *,
    cost_center: str,
    justification: str,
    currency: str = "USD",
) -> PurchaseOrder:
    """Small orders approve automatically under the default policy and are issued at once;
    each is bought in the category its supplier sells, on the supplier's contract once there
    is one (apps/demo/contracts.py)."""
    entity = LegalEntity.objects.get(code="DE01" if currency == "EUR" else "US01")
    contract = contract_available(
        supplier_id=supplier.pk,
        legal_entity_id=entity.pk,
        spend_category_id=SpendCategory.objects.get(code=supplier.category).pk,
        on=timezone.localdate(),
    )
    requisition = requisition_create(
        actor=requester,
        data={
            "title": title,
            "cost_center": cost_center,
            "spend_category": supplier.category,
            "justification": justification,
            "legal_entity": entity.code,
            "currency": currency,
            "supplier": supplier.pk,
            "contract": contract.pk if contract else None,
            "lines": [{"description": d, "quantity": q, "unit_price": p} for d, q, p in lines],
        },
    )
    requisition_submit(actor=requester, requisition_id=requisition.pk)
    return PurchaseOrder.objects.get(requisition=requisition)


def _body(
    order: PurchaseOrder,
    number: str,
    on: date,
    *,
    prices: dict[int, str] | None = None,
    quantities: dict[int, str] | None = None,
    total_delta: str = "0",
    currency: str | None = None,
) -> dict[str, Any]:
    prices, quantities = prices or {}, quantities or {}
    lines, net = [], Decimal("0")
    for line in order.lines.order_by("line_no"):
        quantity = Decimal(quantities.get(line.line_no, str(line.quantity)))
        price = Decimal(prices.get(line.line_no, str(line.unit_price)))
        lines.append(
            {
                "po_line": line.pk,
                "description": line.description,
                "quantity": quantity,
                "unit_price": price,
                "tax_rate": Decimal("0"),
            }
        )
        net += (quantity * price).quantize(CENT)
    return {
        "supplier": order.supplier_id,
        "purchase_order": order.pk,
        "invoice_number": number,
        "invoice_date": on,
        "currency": currency or order.currency,
        "lines": lines,
        "total": net + Decimal(total_delta),
    }


def _no_po(
    supplier: Supplier, number: str, on: date, amount: str, description: str, currency: str = "USD"
) -> dict[str, Any]:
    return {
        "supplier": supplier.pk,
        "invoice_number": number,
        "invoice_date": on,
        "currency": currency,
        "lines": [
            {
                "description": description,
                "quantity": Decimal("1"),
                "unit_price": Decimal(amount),
                "tax_rate": Decimal("0"),
            }
        ],
        "total": Decimal(amount),
    }


def seed_invoices(timeline: Timeline, *, slug: str, portal_name: str = "") -> None:
    """Schedule three months of accounts payable: orders, receipts, invoices that matched
    touchlessly and were paid in an earlier run, one open exception of every code, and a run
    proposed today (skipped when the tenant has invoices already)."""
    if Invoice.objects.exists():
        return
    orders: dict[str, PurchaseOrder] = {}

    def people() -> tuple[User, User, User]:
        return _user(slug, "requester"), _user(slug, "receiver"), _user(slug, "ap")

    def paying_accounts() -> None:
        for code, iban, bic in (
            ("US01", "US64SVBKUS6S3300958879", "SVBKUS6SXXX"),
            ("DE01", "DE75512108001245126199", "SOGEDEFFXXX"),
        ):
            PayingAccount.objects.get_or_create(
                legal_entity=LegalEntity.objects.get(code=code),
                defaults={"name": f"{portal_name or slug} {code}", "iban": iban, "bic": bic},
            )

    def order(
        key: str, supplier: str = "Contoso Office Supply", spec: Any = None
    ) -> Callable[[], None]:
        title, lines, _ago, _received = spec or ORDERS[key]
        who, cost_center = ORDERED_BY.get(key, ("sam.okafor", "CC-100"))
        why = WHY.get(key) or STORY_WHY[supplier]

        def step() -> None:
            chosen = Supplier.objects.get(name=supplier)
            with transaction.atomic(), tasks_inline():
                orders[key] = _order(
                    _user(slug, who),
                    chosen,
                    title,
                    lines,
                    cost_center=cost_center,
                    justification=why,
                )

        return step

    def receive(key: str) -> Callable[[], None]:
        def step() -> None:
            _requester, receiver, _clerk = people()
            with transaction.atomic():
                goods_receipt_post(
                    actor=receiver,
                    order_id=orders[key].pk,
                    lines=[
                        {"po_line": line.pk, "quantity": line.quantity}
                        for line in orders[key].lines.all()
                    ],
                    note="Delivered complete",
                )

        return step

    def invoice(make: Callable[[User], list[Invoice]]) -> Callable[[], None]:
        """Receive an invoice and match it at once (the worker's job, done here inline)."""

        def step() -> None:
            _requester, _receiver, clerk = people()
            with transaction.atomic(), tasks_inline():
                created = make(clerk)
            invoices_match(invoice_ids=[i.pk for i in created])

        return step

    def today() -> date:
        return timezone.localdate()

    def json(key: str, number: str, **changes: Any) -> Callable[[User], list[Invoice]]:
        return lambda clerk: [
            invoice_create(actor=clerk, data=_body(orders[key], number, today(), **changes))
        ]

    def no_po(name: str, number: str, amount: str, text: str) -> Callable[[User], list[Invoice]]:
        def make(clerk: User) -> list[Invoice]:
            supplier = Supplier.objects.get(name=name)
            return [
                invoice_create(actor=clerk, data=_no_po(supplier, number, today(), amount, text))
            ]

        return make

    def ubl(key: str, number: str) -> Callable[[User], list[Invoice]]:
        return lambda clerk: invoices_import(
            actor=clerk,
            upload=SimpleUploadedFile(
                f"{number}.xml", ubl_invoice(orders[key], number=number, issued=today())
            ),
        )

    def csv_batch(clerk: User) -> list[Invoice]:
        day, staplers = today(), orders["staplers"].number
        csv = (
            ",".join(COLUMNS)
            + "\n"
            # po_not_found: an order number nobody issued
            + f"04-2103594,,INV-7017,{day},,USD,PO-US01-999999,1,Printer service,1,120,0,120\n"
            # invalid_tax_id: the tax id on the invoice is not a valid EIN
            + f"12-345,Contoso Office Supply,INV-7018,{day},,USD,{staplers},1,"
            + "Heavy-duty stapler,10,24,0,240\n"
        )
        return invoices_import(actor=clerk, upload=SimpleUploadedFile("batch.csv", csv.encode()))

    def resolve_variance(
        number: str,
        who: str = "buyer",
        resolution: str = "accept_variance",
        comment: str = "Price list changed; the supplier told us in advance.",
    ) -> Callable[[], None]:
        def step() -> None:
            exception = InvoiceException.objects.get(
                invoice__invoice_number=number, code="price_variance", status="open"
            )
            with transaction.atomic():
                exception_resolve(
                    actor=_user(slug, who),
                    exception_id=exception.pk,
                    resolution=resolution,
                    comment=comment,
                )

        return step

    def pay(run_days: int) -> None:
        """An AP clerk proposes what is due; an AP manager releases it the next day; the bank's
        debit notification comes two days later."""
        state: dict[str, Any] = {}

        def propose() -> None:
            with transaction.atomic():
                state["runs"] = payment_proposal_create(actor=people()[2])

        def release() -> None:
            for run in state.get("runs", []):
                releaser = _user(slug, "apmanager")
                # in the story they typed their authenticator's code on the release page
                with transaction.atomic(), factor_recorded(releaser, how="seed"):
                    payment_run_release(actor=releaser, run_id=run.pk)

        def confirm() -> None:
            """The bank's camt.054 debit notification confirms each run."""
            for run in state.get("runs", []):
                run.refresh_from_db()
                notification = debit_notification(run.pain001, message_id="BANK-" + run.number)
                with transaction.atomic():
                    statement_import(
                        actor=_user(slug, "apmanager"),
                        upload=SimpleUploadedFile("camt054.xml", notification),
                    )

        timeline.at(run_days, propose, hour=9)
        timeline.at(run_days - 1, release, hour=10)
        timeline.at(run_days - 3, confirm, hour=12)

    timeline.at(70, paying_accounts, hour=8)
    for key, supplier, ago, ordered, invoiced in STORY:
        spec = STORY_ORDER[supplier](ordered, ago)
        timeline.at(ago, order(key, supplier, spec), hour=10)
        timeline.at(ago - 1, receive(key), hour=14)
        number = f"{'AW' if supplier.startswith('Adventure') else 'INV'}-{8000 + ago}"
        timeline.at(ago - 2, invoice(json(key, number, prices={1: invoiced})), hour=9)
        if key in STORY_DECIDED:
            days, hour, who, resolution, why = STORY_DECIDED[key]
            decide = resolve_variance(number, who, resolution, why)
            timeline.at(ago - 2 - days, decide, hour=hour)
    for key, (_title, _lines, ago, received) in ORDERS.items():
        timeline.at(ago, order(key), hour=10)
        if received is not None:
            timeline.at(ago - received, receive(key), hour=14)
    _t, _l, ago, received = TOUCHLESS_ORDER
    timeline.at(ago, order("cards", "Lucerne Publishing", TOUCHLESS_ORDER), hour=11)
    timeline.at(ago - received, receive("cards"), hour=15)
    # touchless: matched on arrival; the first came in as a Peppol UBL file
    timeline.at(60, invoice(ubl("toner", "INV-7001")), hour=9)
    timeline.at(56, invoice(json("paper", "INV-7002")), hour=9)
    timeline.at(45, invoice(json("binders", "INV-7003")), hour=9)
    timeline.at(34, invoice(json("drawers", "INV-7004")), hour=9)
    pay(28)  # INV-7001 and INV-7002 fall due: proposed, released and paid
    # approved, due after the run proposed today: the one the README's ERP pays
    timeline.at(6, invoice(json("whiteboards", "INV-7006")), hour=9)
    # a small price variance the buyer accepts two days later; paid in the same run
    timeline.at(44, invoice(json("stands", "INV-7005", prices={1: "41.00"})), hour=9)
    timeline.at(42, resolve_variance("INV-7005"), hour=11)
    # one open exception of each kind, the oldest open since last month
    timeline.at(38, invoice(json("footrests", "INV-7010", prices={1: "82.00"})), hour=9)
    timeline.at(35, invoice(json("chairs", "INV-7011", quantities={1: "6"})), hour=9)
    timeline.at(33, invoice(json("paper", "inv 7002")), hour=9)  # a duplicate
    timeline.at(15, invoice(json("lamps", "INV-7012")), hour=9)  # not received
    timeline.at(12, invoice(json("coatstands", "INV-7014", total_delta="35.00")), hour=9)
    timeline.at(11, invoice(json("staplers", "INV-7015", currency="EUR")), hour=9)
    timeline.at(
        5,
        invoice(no_po("Contoso Office Supply", "INV-7016", "6400.00", "Office furniture")),
        hour=9,
    )  # no purchase order, and far beyond Contoso's usual amounts (its 10 approved invoices)
    timeline.at(8, invoice(csv_batch), hour=9)
    timeline.at(
        4,
        invoice(no_po("Litware Consulting Ltd", "LW-0091", "2400.00", "Services rendered")),
        hour=9,
    )  # supplier not approved
    timeline.at(
        3,
        invoice(no_po("Banco Nacional de Kuba S.A.", "BNK-5512", "18000.00", "Services rendered")),
        hour=9,
    )  # sanctions hit
    timeline.at(
        3,
        invoice(no_po("Adventure Works Hardware", "AW-3320", "1250.00", "Services rendered")),
        hour=11,
    )  # bank details changed
    # what is due now is proposed today, for an AP manager to release
    timeline.at(1, lambda: payment_proposal_create(actor=people()[2]), hour=16)
    timeline.at(1, lambda: supplier_questions(slug), hour=17)


def supplier_questions(slug: str) -> None:
    """Contoso's portal user asks where the payment of its approved INV-7006 is (answered with
    the expected date), and something the assistant hands to AP."""
    from apps.assistants.answers.services import supplier_question_ask

    user = _user(slug, "supplier")
    for text in (
        "Where is my payment for INV-7006?",
        "Could you send us the remittance advice for last month's payments?",
    ):
        with transaction.atomic():
            supplier_question_ask(actor=user, text=text)
