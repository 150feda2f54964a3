"""Every control lives in its service: each state-changing service, called directly (as a page,
the API, a task or a command would), refuses a person without the capability, and writes
nothing. A new service with an `actor` must appear here or among the internal steps."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.controls.refusals import NotFound, PermissionRefused
from apps.demo.suppliers import pdf_bytes
from apps.events.models import OutboxEvent
from apps.suppliers.models import BankAccount
from tests import world
from tests.conftest import ROOT
from tests.invoices.conftest import invoice_body, make_order, validated
from tests.portal.test_words import raw_codes
from tests.suppliers.conftest import invite
from tests.world import World as W

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]
PEPPOL = ROOT / "tests" / "invoices" / "data" / "peppol" / "Vat-category-S.xml"


# name → (who tries, the call): the person holds roles, just not the one the service needs
Call = Callable[[Any], Any]
CASES: dict[str, Callable[[W], tuple[Any, Call]]] = {}


def case(name: str) -> Callable[[Callable[[W], tuple[Any, Call]]], Any]:
    def register(build: Callable[[W], tuple[Any, Call]]) -> Any:
        CASES[name] = build
        return build

    return register


# --------------------------------------------------------------------------- accounts
@case("accounts.services.user_invite")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.services import user_invite

    return w.org.requester, lambda actor: user_invite(
        actor=actor, email="new@a.test", roles=["requester"], base_url="http://a.localhost/"
    )


@case("accounts.services.user_set_roles")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.services import user_set_roles

    return w.org.requester, lambda actor: user_set_roles(
        actor=actor, user=w.org.approver, roles=["approver", "tenant_admin"]
    )


@case("accounts.services.user_update_profile")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.services import user_update_profile

    return w.org.requester, lambda actor: user_update_profile(
        actor=actor, user_id=w.org.approver.pk, email="mine@a.test", first_name="", last_name=""
    )


@case("accounts.services.user_deactivate")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.services import user_deactivate

    return w.org.requester, lambda actor: user_deactivate(
        actor=actor, user_id=w.org.approver.pk, reason="a rival"
    )


@case("accounts.services.user_reactivate")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.services import user_deactivate, user_reactivate

    user_deactivate(actor=w.org.admin, user_id=w.org.receiver.pk, reason="left")
    return w.org.requester, lambda actor: user_reactivate(actor=actor, user_id=w.org.receiver.pk)


# --------------------------------------------------------------------------- scim
def _scim_data(email: str) -> Any:
    from apps.scim.resources import UserData

    return UserData(
        user_name=email, given_name="Pat", family_name="Doe", external_id="x", active=True
    )


@case("scim.services.scim_user_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.scim.services import scim_user_create

    return w.org.requester, lambda actor: scim_user_create(
        actor=actor, data=_scim_data("new@a.test"), base_url="http://a.localhost/", portal_name="A"
    )


@case("scim.services.scim_user_replace")
def _(w: W) -> tuple[Any, Call]:
    from apps.scim.services import scim_user_replace

    return w.org.requester, lambda actor: scim_user_replace(
        actor=actor, user_id=w.org.approver.pk, data=_scim_data(w.org.approver.email)
    )


@case("scim.services.scim_user_delete")
def _(w: W) -> tuple[Any, Call]:
    from apps.scim.services import scim_user_delete

    return w.org.requester, lambda actor: scim_user_delete(actor=actor, user_id=w.org.approver.pk)


@case("scim.services.scim_group_members_change")
def _(w: W) -> tuple[Any, Call]:
    from apps.scim.services import scim_group_members_change

    return w.org.requester, lambda actor: scim_group_members_change(
        actor=actor, role="tenant_admin", add={str(w.org.requester.pk)}, remove=set()
    )


@case("organization.services.reference_data_ensure")
def _(w: W) -> tuple[Any, Call]:
    from apps.organization.services import reference_data_ensure

    return w.org.requester, lambda actor: reference_data_ensure(
        actor=actor,
        legal_entities=[{"code": "FR01", "name": "France SAS", "country": "FR", "currency": "EUR"}],
        cost_centers=[],
        spend_categories=[],
        budgets=[],
    )


@case("organization.services.reference_record_save")
def _(w: W) -> tuple[Any, Call]:
    from apps.organization.services import reference_record_save

    return w.org.requester, lambda actor: reference_record_save(
        actor=actor, kind="spend_category", data={"code": "TRV", "name": "Travel"}
    )


@case("payments.services.paying_accounts.paying_account_save")
def _(w: W) -> tuple[Any, Call]:
    from apps.organization.models import LegalEntity
    from apps.payments.services.paying_accounts import paying_account_save

    return w.aporg.apmanager, lambda actor: paying_account_save(
        actor=actor,
        legal_entity=LegalEntity.objects.get(code="DE01"),
        name="Main",
        iban="DE75512108001245126199",
        bic="SOGEDEFFXXX",
    )


# --------------------------------------------------------------------------- policies
def _draft_policy(w: W) -> Any:
    from apps.policies.selectors import policy_published
    from apps.policies.services import policy_draft_create

    return policy_draft_create(actor=w.org.admin, document=policy_published().document)


@case("policies.services.policy_draft_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.policies.selectors import policy_published
    from apps.policies.services import policy_draft_create

    document = policy_published().document
    return w.org.requester, lambda actor: policy_draft_create(actor=actor, document=document)


@case("policies.services.policy_draft_update")
def _(w: W) -> tuple[Any, Call]:
    from apps.policies.services import policy_draft_update

    version = _draft_policy(w)
    return w.org.requester, lambda actor: policy_draft_update(
        actor=actor, version=version, document=version.document, note="mine now"
    )


@case("policies.services.policy_publish")
def _(w: W) -> tuple[Any, Call]:
    from apps.policies.services import policy_publish

    version = _draft_policy(w)
    return w.org.requester, lambda actor: policy_publish(actor=actor, version=version)


# --------------------------------------------------------------------------- workflow
@case("workflow.services.task_approve")
def _(w: W) -> tuple[Any, Call]:
    from apps.workflow.services import task_approve

    _requisition, task = world.pending(w.org.requester)
    return w.org.approver, lambda actor: task_approve(actor=actor, task_id=task.pk)


@case("workflow.services.task_reject")
def _(w: W) -> tuple[Any, Call]:
    from apps.workflow.services import task_reject

    _requisition, task = world.pending(w.org.requester)
    return w.org.approver, lambda actor: task_reject(actor=actor, task_id=task.pk, comment="No.")


@case("workflow.services.task_delegate")
def _(w: W) -> tuple[Any, Call]:
    from apps.workflow.services import task_delegate

    _requisition, task = world.pending(w.org.requester)
    return w.org.approver, lambda actor: task_delegate(
        actor=actor, task_id=task.pk, to_user=w.org.buyer
    )


@case("workflow.services.delegation_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.workflow.services import delegation_create

    today = timezone.localdate()
    return w.org.requester, lambda actor: delegation_create(
        actor=actor, delegate=w.org.approver, starts_on=today, ends_on=today + timedelta(days=3)
    )


# --------------------------------------------------------------------------- procurement
@case("procurement.services.requisitions.requisition_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.requisitions import requisition_create

    data = {
        "title": "Pallets",
        "cost_center": "CC-100",
        "spend_category": "FAC",
        "legal_entity": "US01",
        "currency": "USD",
        "lines": [{"description": "Pallet", "quantity": "2", "unit_price": "20.00"}],
    }
    return w.org.receiver, lambda actor: requisition_create(actor=actor, data=data)


@case("procurement.services.requisitions.requisition_update")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.requisitions import requisition_update

    requisition = world.draft(w.org.requester)
    return w.org.manager, lambda actor: requisition_update(
        actor=actor, requisition_id=requisition.pk, data={"title": "Not mine"}
    )


@case("procurement.services.requisitions.requisition_submit")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.requisitions import requisition_submit

    requisition = world.draft(w.org.requester)
    return w.org.manager, lambda actor: requisition_submit(
        actor=actor, requisition_id=requisition.pk
    )


@case("procurement.services.requisitions.requisition_withdraw")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.requisitions import requisition_withdraw

    requisition, _task = world.pending(w.org.requester)
    return w.org.manager, lambda actor: requisition_withdraw(
        actor=actor, requisition_id=requisition.pk
    )


@case("procurement.services.requisitions.requisition_cancel")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.requisitions import requisition_cancel

    requisition = world.draft(w.org.requester)
    return w.org.manager, lambda actor: requisition_cancel(
        actor=actor, requisition_id=requisition.pk
    )


@case("procurement.services.sourcing.requisition_source")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.sourcing import requisition_source

    requisition = world.approved(w.org.requester)
    # an approver reads every requisition but does not choose suppliers
    return w.org.manager, lambda actor: requisition_source(
        actor=actor, requisition_id=requisition.pk, supplier_id=w.aporg.supplier.pk
    )


def _endpoint(w: W) -> Any:
    from apps.integrations.services.endpoints import endpoint_create

    endpoint, _secret = endpoint_create(
        actor=w.org.admin, data={"url": "https://93.184.216.34/hook"}
    )
    return endpoint


@case("integrations.services.endpoints.endpoint_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.endpoints import endpoint_create

    return w.org.buyer, lambda actor: endpoint_create(
        actor=actor, data={"url": "https://93.184.216.34/hook"}
    )


@case("integrations.services.endpoints.endpoint_update")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.endpoints import endpoint_update

    endpoint = _endpoint(w)
    return w.org.buyer, lambda actor: endpoint_update(
        actor=actor, endpoint_id=endpoint.pk, data={"enabled": False}
    )


@case("integrations.services.endpoints.endpoint_delete")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.endpoints import endpoint_delete

    endpoint = _endpoint(w)
    return w.aporg.apmanager, lambda actor: endpoint_delete(actor=actor, endpoint_id=endpoint.pk)


@case("integrations.services.endpoints.endpoint_rotate_secret")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.endpoints import endpoint_rotate_secret

    endpoint = _endpoint(w)
    return w.aporg.clerk, lambda actor: endpoint_rotate_secret(actor=actor, endpoint_id=endpoint.pk)


@case("integrations.services.chat.chat_settings_save")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.chat import chat_settings_save

    return w.aporg.apmanager, lambda actor: chat_settings_save(
        actor=actor,
        slack_webhook_url="",
        slack_signing_secret="",
        slack_bot_token="",
        teams_webhook_url="",
    )


@case("integrations.services.deliveries.endpoint_test")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.deliveries import endpoint_test

    endpoint = _endpoint(w)
    return w.org.buyer, lambda actor: endpoint_test(actor=actor, endpoint_id=endpoint.pk)


@case("integrations.services.deliveries.endpoint_recover")
def _(w: W) -> tuple[Any, Call]:
    from django.utils import timezone

    from apps.integrations.services.deliveries import endpoint_recover

    endpoint = _endpoint(w)
    return w.org.buyer, lambda actor: endpoint_recover(
        actor=actor, endpoint_id=endpoint.pk, since=timezone.now() - timezone.timedelta(days=1)
    )


@case("integrations.services.deliveries.delivery_retry")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.deliveries import delivery_retry, endpoint_test

    delivery = endpoint_test(actor=w.org.admin, endpoint_id=_endpoint(w).pk)
    return w.org.buyer, lambda actor: delivery_retry(actor=actor, delivery_id=delivery.pk)


@case("integrations.services.access.service_account_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.access import service_account_create

    return w.aporg.clerk, lambda actor: service_account_create(
        actor=actor, data={"name": "ERP", "scopes": ["invoices:export"]}
    )


def _service_account(w: W) -> Any:
    from apps.integrations.services.access import service_account_create

    account, _key = service_account_create(
        actor=w.org.admin, data={"name": "ERP", "scopes": ["invoices:export"]}
    )
    return account


@case("integrations.services.access.service_account_rotate")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.access import service_account_rotate

    account = _service_account(w)
    return w.aporg.apmanager, lambda actor: service_account_rotate(
        actor=actor, account_id=account.pk
    )


@case("integrations.services.access.service_account_revoke")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.access import service_account_revoke

    account = _service_account(w)
    return w.org.buyer, lambda actor: service_account_revoke(actor=actor, account_id=account.pk)


def _connection(w: W) -> Any:
    from apps.integrations.services.access import erp_connection_create

    connection, _secret = erp_connection_create(actor=w.org.admin, data={"name": "ERP"})
    return connection


@case("integrations.services.access.erp_connection_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.access import erp_connection_create

    return w.aporg.apmanager, lambda actor: erp_connection_create(actor=actor, data={"name": "ERP"})


@case("integrations.services.access.erp_connection_rotate_secret")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.access import erp_connection_rotate_secret

    connection = _connection(w)
    return w.aporg.clerk, lambda actor: erp_connection_rotate_secret(
        actor=actor, connection_id=connection.pk
    )


@case("integrations.services.access.erp_connection_delete")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.access import erp_connection_delete

    connection = _connection(w)
    return w.org.buyer, lambda actor: erp_connection_delete(
        actor=actor, connection_id=connection.pk
    )


def _dead_letter(w: W) -> Any:
    from apps.integrations.models import InboundEvent

    return InboundEvent.objects.create(
        connection=_connection(w),
        message_id="msg_guard",
        event_type="invoice.posted",
        data={"invoice": "unknown"},
        status=InboundEvent.Status.FAILED,
        reason="No such invoice in Spendgate (yet).",
    )


@case("integrations.services.inbound.inbound_event_reapply")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.inbound import inbound_event_reapply

    event = _dead_letter(w)
    portal = {"base_url": "http://x.test/", "portal_name": "Spendgate"}
    return w.aporg.apmanager, lambda actor: inbound_event_reapply(
        actor=actor, event_id=event.pk, portal=portal
    )


@case("integrations.services.inbound.inbound_event_discard")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.inbound import inbound_event_discard

    event = _dead_letter(w)
    return w.aporg.clerk, lambda actor: inbound_event_discard(
        actor=actor, event_id=event.pk, reason="wrong"
    )


@case("integrations.services.inbound.erp_reconcile_now")
def _(w: W) -> tuple[Any, Call]:
    from apps.integrations.services.inbound import erp_reconcile_now

    _connection(w)
    return w.aporg.apmanager, lambda actor: erp_reconcile_now(actor=actor)


@case("procurement.services.orders.purchase_order_acknowledge")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.orders import purchase_order_acknowledge

    order = make_order(w.aporg, [("Desk", "1", "300.00")])
    # a buyer acts for every supplier, but acknowledges nothing in its name
    return w.org.buyer, lambda actor: purchase_order_acknowledge(actor=actor, order_id=order.pk)


@case("procurement.services.receiving.goods_receipt_post")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.receiving import goods_receipt_post

    order = make_order(w.aporg, [("Desk", "1", "300.00")])
    line = order.lines.get()
    return w.org.requester, lambda actor: goods_receipt_post(
        actor=actor, order_id=order.pk, lines=[{"po_line": line.pk, "quantity": "1"}]
    )


# --------------------------------------------------------------------------- suppliers
@case("suppliers.services.onboarding.supplier_invite")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.onboarding import supplier_invite

    return w.org.requester, lambda actor: supplier_invite(
        actor=actor, name="Fourth Coffee", email="hi@fourth.test", country="US",
        base_url="http://a.localhost/",
    )  # fmt: skip


@case("suppliers.services.onboarding.supplier_invitation_resend")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.onboarding import supplier_invitation_resend

    supplier = invite(w.sorg)
    return w.org.requester, lambda actor: supplier_invitation_resend(
        actor=actor, supplier_id=supplier.pk, base_url="http://a.localhost/", portal_name="A"
    )


@case("suppliers.services.onboarding.supplier_profile_update")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.onboarding import supplier_profile_update

    supplier = invite(w.sorg)
    return w.org.requester, lambda actor: supplier_profile_update(
        actor=actor, supplier_id=supplier.pk, data={"phone": "+1 555 0100"}
    )


@case("suppliers.services.onboarding.supplier_submit")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.onboarding import supplier_submit
    from tests.suppliers.conftest import complete_onboarding

    supplier = invite(w.sorg)
    complete_onboarding(w.sorg, supplier)
    return w.org.requester, lambda actor: supplier_submit(actor=actor, supplier_id=supplier.pk)


@case("suppliers.services.documents.document_upload")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.documents import document_upload

    supplier = invite(w.sorg)
    return w.org.requester, lambda actor: document_upload(
        actor=actor,
        supplier_id=supplier.pk,
        doc_type="w9",
        upload=SimpleUploadedFile("w9.pdf", pdf_bytes()),
    )


@case("suppliers.services.banking.bank_account_add")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.banking import bank_account_add

    supplier = invite(w.sorg)
    return w.org.requester, lambda actor: bank_account_add(
        actor=actor,
        supplier_id=supplier.pk,
        data={"account_holder": supplier.name, "iban": "DE89370400440532013000"},
    )


def _pending_account(w: W, called_back: bool = False) -> Any:
    from apps.suppliers.services.banking import bank_account_add, bank_account_record_callback

    supplier = invite(w.sorg)
    type(supplier).objects.filter(pk=supplier.pk).update(phone="+49 30 5555 0100")
    account = bank_account_add(
        actor=w.sorg.buyer,
        supplier_id=supplier.pk,
        data={"account_holder": supplier.name, "iban": "DE89370400440532013000"},
    )
    if called_back:
        bank_account_record_callback(
            actor=w.sorg.clerk, account_id=account.pk, confirmed=True, note="Called the CFO."
        )
    return account


@case("suppliers.services.banking.bank_account_record_callback")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.banking import bank_account_record_callback

    account = _pending_account(w)
    return w.org.requester, lambda actor: bank_account_record_callback(
        actor=actor, account_id=account.pk, confirmed=True, note="I called them."
    )


@case("suppliers.services.banking.bank_account_approve")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.banking import bank_account_approve

    account = _pending_account(w, called_back=True)
    return w.org.requester, lambda actor: bank_account_approve(actor=actor, account_id=account.pk)


@case("suppliers.services.banking.bank_account_reject")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.banking import bank_account_reject

    account = _pending_account(w)
    return w.org.requester, lambda actor: bank_account_reject(
        actor=actor, account_id=account.pk, comment="Looks wrong."
    )


@case("suppliers.services.banking.bank_account_sharing_clear")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.banking import bank_account_sharing_clear

    account = _pending_account(w)
    BankAccount.objects.filter(pk=account.pk).update(
        shared_with=[{"supplier": "x", "name": "Northwind Traders", "account": account.masked}]
    )
    # an AP clerk verifies bank details but does not clear a shared account: compliance does
    return w.aporg.clerk, lambda actor: bank_account_sharing_clear(
        actor=actor, account_id=account.pk, note="Parent company."
    )


@case("suppliers.services.checks.supplier_checks_run")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.checks import supplier_checks_run

    supplier = w.aporg.supplier
    return w.org.requester, lambda actor: supplier_checks_run(supplier_id=supplier.pk, actor=actor)


@case("suppliers.services.checks.suppliers_rescreen")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.checks import suppliers_rescreen

    return w.org.requester, lambda actor: suppliers_rescreen(actor=actor)


@case("suppliers.services.screening.screening_hit_resolve")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.models import ScreeningHit
    from apps.suppliers.services.checks import supplier_checks_run

    supplier = invite(w.sorg, "Banco Nacional de Cuba")
    supplier_checks_run(supplier_id=supplier.pk)
    hit = ScreeningHit.objects.filter(supplier=supplier).first()
    assert hit is not None, "the SDN excerpt names this bank"
    from apps.suppliers.services.screening import screening_hit_resolve

    return w.org.buyer, lambda actor: screening_hit_resolve(
        actor=actor, hit_id=hit.pk, decision="false_positive", reason="Another bank."
    )


@case("suppliers.services.screening.supplier_block")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.screening import supplier_block

    supplier = w.aporg.supplier
    return w.org.buyer, lambda actor: supplier_block(
        actor=actor, supplier=supplier, reason="I do not like them."
    )


@case("suppliers.services.screening.supplier_reopen")
def _(w: W) -> tuple[Any, Call]:
    from apps.suppliers.services.screening import supplier_block, supplier_reopen

    supplier = w.aporg.supplier
    supplier_block(actor=w.aporg.compliance, supplier=supplier, reason="Fraud reported.")
    # a buyer reopens rejected suppliers; lifting a block is compliance's
    return w.org.buyer, lambda actor: supplier_reopen(
        actor=actor, supplier_id=supplier.pk, reason="They called."
    )


# --------------------------------------------------------------------------- invoices
def _clean_body(w: W, number: str = "G-1") -> dict[str, Any]:
    order = make_order(w.aporg, [("Laptop stand", "10", "45.00")])
    return validated(invoice_body(order, number=number))


@case("invoices.services.receive.invoice_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.invoices.services.receive import invoice_create

    body = _clean_body(w)
    return w.org.requester, lambda actor: invoice_create(actor=actor, data=body)


@case("invoices.services.receive.invoices_import")
def _(w: W) -> tuple[Any, Call]:
    from apps.invoices.services.receive import invoices_import

    data = Path(PEPPOL).read_bytes()
    return w.org.requester, lambda actor: invoices_import(
        actor=actor, upload=SimpleUploadedFile("invoice.xml", data, "application/xml")
    )


@case("invoices.services.receive.invoice_receive")
def _(w: W) -> tuple[Any, Call]:
    from apps.einvoices import ParsedInvoice, ParsedLine
    from apps.invoices.services.receive import invoice_receive

    parsed = ParsedInvoice(
        channel="api",
        kind="invoice",
        invoice_number="RCV-1",
        invoice_date=date.today(),
        currency="EUR",
        lines=[ParsedLine(1, "Stand", Decimal("1"), Decimal("45"), Decimal("45.00"))],
        lines_total=Decimal("45.00"),
        total=Decimal("45.00"),
        payable=Decimal("45.00"),
    )
    supplier = w.aporg.supplier
    return w.org.requester, lambda actor: invoice_receive(
        actor=actor, parsed=parsed, supplier=supplier
    )


@case("invoices.services.resolutions.exception_assign")
def _(w: W) -> tuple[Any, Call]:
    from apps.invoices.services.resolutions import exception_assign

    exception = world.price_exception(w.aporg, w.receive, "AS-1")
    return w.org.requester, lambda actor: exception_assign(
        actor=actor, exception_id=exception.pk, assignee=w.aporg.clerk
    )


@case("invoices.services.resolutions.exception_comment")
def _(w: W) -> tuple[Any, Call]:
    from apps.invoices.services.resolutions import exception_comment

    exception = world.price_exception(w.aporg, w.receive, "CM-1")
    return w.org.requester, lambda actor: exception_comment(
        actor=actor, exception_id=exception.pk, body="Looks fine to me."
    )


@case("invoices.services.resolutions.exception_resolve")
def _(w: W) -> tuple[Any, Call]:
    from apps.invoices.services.resolutions import exception_resolve

    exception = world.price_exception(w.aporg, w.receive, "RS-1")
    return w.org.requester, lambda actor: exception_resolve(
        actor=actor, exception_id=exception.pk, resolution="accept_variance"
    )


@case("invoices.services.resolutions.invoice_rematch")
def _(w: W) -> tuple[Any, Call]:
    from apps.invoices.services.resolutions import invoice_rematch

    exception = world.price_exception(w.aporg, w.receive, "RM-1")
    return w.org.requester, lambda actor: invoice_rematch(
        actor=actor, invoice_id=exception.invoice_id
    )


@case("payments.services.runs.payment_proposal_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.payments.services.runs import payment_proposal_create

    world.payable(w.aporg, w.receive, "PP-1")
    return w.org.requester, lambda actor: payment_proposal_create(actor=actor)


@case("payments.services.runs.payment_run_release")
def _(w: W) -> tuple[Any, Call]:
    from apps.payments.services.runs import payment_run_release

    run = world.proposed_run(w.aporg, w.receive)
    return w.aporg.clerk, lambda actor: payment_run_release(actor=actor, run_id=run.pk)


@case("payments.services.runs.payment_run_confirm")
def _(w: W) -> tuple[Any, Call]:
    from apps.payments.services.runs import payment_run_confirm

    run = world.released_run(w.aporg, w.receive)
    return w.aporg.clerk, lambda actor: payment_run_confirm(actor=actor, run_id=run.pk)


@case("payments.services.runs.payment_run_cancel")
def _(w: W) -> tuple[Any, Call]:
    from apps.payments.services.runs import payment_run_cancel

    run = world.proposed_run(w.aporg, w.receive)
    return w.org.requester, lambda actor: payment_run_cancel(actor=actor, run_id=run.pk)


@case("payments.services.statements.statement_import")
def _(w: W) -> tuple[Any, Call]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.demo.bank import debit_notification
    from apps.payments.services.statements import statement_import

    run = world.released_run(w.aporg, w.receive)
    data = debit_notification(run.pain001)
    return w.aporg.clerk, lambda actor: statement_import(
        actor=actor, upload=SimpleUploadedFile("camt054.xml", data)
    )


# --------------------------------------------------------------------------- inbox
def _quarantined(w: W) -> Any:
    from apps.inbox.services import mail_receive

    raw = b"From: x@unknown.test\r\nMessage-ID: <q-1@unknown.test>\r\nSubject: hi\r\n\r\nhello"
    return mail_receive(raw=raw, source="api")


@case("inbox.services.mail_receive")
def _(w: W) -> tuple[Any, Call]:
    from apps.inbox.services import mail_receive

    raw = b"From: billing@contoso.test\r\nMessage-ID: <r-1@contoso.test>\r\n\r\nhello"
    return w.org.requester, lambda actor: mail_receive(raw=raw, source="api", actor=actor)


@case("inbox.services.mail_assign")
def _(w: W) -> tuple[Any, Call]:
    from apps.inbox.services import mail_assign

    mail = _quarantined(w)
    return w.org.requester, lambda actor: mail_assign(
        actor=actor, mail_id=mail.pk, supplier_id=w.aporg.supplier.pk
    )


@case("inbox.services.mail_discard")
def _(w: W) -> tuple[Any, Call]:
    from apps.inbox.services import mail_discard

    mail = _quarantined(w)
    return w.org.requester, lambda actor: mail_discard(actor=actor, mail_id=mail.pk, reason="x")


@case("inbox.services.mailbox_set")
def _(w: W) -> tuple[Any, Call]:
    from apps.inbox.services import mailbox_set

    data = {"host": "imap.example.org", "username": "invoices", "password": "secret"}
    return w.aporg.apmanager, lambda actor: mailbox_set(actor=actor, data=data)


# --------------------------------------------------------------------------- assistants
@case("assistants.reading.services.invoice_extract")
def _(w: W) -> tuple[Any, Call]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.assistants.reading.services import invoice_extract

    pdf = SimpleUploadedFile("i.pdf", b"%PDF-1.4 not read: the guard refuses first")
    return w.org.requester, lambda actor: invoice_extract(actor=actor, upload=pdf)


@case("assistants.reading.services.reading_confirm")
def _(w: W) -> tuple[Any, Call]:
    from apps.assistants.reading.services import reading_confirm

    return w.org.requester, lambda actor: reading_confirm(
        actor=actor, advice_id=None, form={"invoice_number": "X"}
    )


# --------------------------------------------------------------------------- assurance
@case("assurance.packs.evidence_pack_request")
def _(w: W) -> tuple[Any, Call]:
    from apps.assurance.packs import evidence_pack_request

    requisition = world.draft(w.org.requester)
    return w.org.requester, lambda actor: evidence_pack_request(
        actor=actor, subject_type="requisition", subject_id=str(requisition.pk)
    )


@case("assurance.packs.evidence_pack_download")
def _(w: W) -> tuple[Any, Call]:
    from apps.assurance.packs import evidence_pack_download, evidence_pack_request

    requisition = world.draft(w.org.requester)
    pack = evidence_pack_request(
        actor=w.org.admin, subject_type="requisition", subject_id=str(requisition.pk)
    )
    return w.org.requester, lambda actor: evidence_pack_download(actor=actor, pack_id=pack.pk)


@case("assurance.compliance.compliance_report_generate")
def _(w: W) -> tuple[Any, Call]:
    from apps.assurance.compliance import compliance_report_generate
    from apps.assurance.packs import recent_period

    start, end = recent_period()
    return w.org.requester, lambda actor: compliance_report_generate(
        start=start, end=end, trigger="on_demand", actor=actor
    )


@case("assurance.chain_checks.audit_chain_check")
def _(w: W) -> tuple[Any, Call]:
    from apps.assurance.chain_checks import audit_chain_check

    return w.org.requester, lambda actor: audit_chain_check(trigger="on_demand", actor=actor)


# --------------------------------------------------------------------------- contracts
def _contract(w: W, *, activate: bool = True) -> Any:
    from apps.contracts.services.register import contract_activate, contract_create

    contract = contract_create(
        actor=w.org.buyer,
        data={
            "number": "CT-GUARD",
            "title": "Guarded",
            "supplier": w.aporg.supplier.pk,
            "legal_entities": ["DE01"],
            "spend_categories": ["FAC"],
            "starts_on": timezone.localdate(),
            "ends_on": timezone.localdate() + timedelta(days=90),
            "value_cap": "1000",
            "currency": "EUR",
        },
    )
    return contract_activate(actor=w.org.buyer, contract_id=contract.pk) if activate else contract


@case("contracts.services.register.contract_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.contracts.services.register import contract_create

    return w.org.requester, lambda actor: contract_create(
        actor=actor,
        data={"number": "CT-X", "title": "x", "supplier": w.aporg.supplier.pk},
    )


@case("contracts.services.register.contract_amend")
def _(w: W) -> tuple[Any, Call]:
    from apps.contracts.services.register import contract_amend

    contract = _contract(w)
    return w.aporg.clerk, lambda actor: contract_amend(
        actor=actor, contract_id=contract.pk, data={"value_cap": "5000"}, reason="more"
    )


@case("contracts.services.register.contract_activate")
def _(w: W) -> tuple[Any, Call]:
    from apps.contracts.services.register import contract_activate

    contract = _contract(w, activate=False)
    return w.org.requester, lambda actor: contract_activate(actor=actor, contract_id=contract.pk)


@case("contracts.services.register.contract_terminate")
def _(w: W) -> tuple[Any, Call]:
    from apps.contracts.services.register import contract_terminate

    contract = _contract(w)
    return w.org.approver, lambda actor: contract_terminate(
        actor=actor, contract_id=contract.pk, reason="ended"
    )


@case("contracts.services.register.contract_document_upload")
def _(w: W) -> tuple[Any, Call]:
    from apps.contracts.services.register import contract_document_upload

    contract = _contract(w)
    return w.org.requester, lambda actor: contract_document_upload(
        actor=actor,
        contract_id=contract.pk,
        upload=SimpleUploadedFile("signed.pdf", pdf_bytes("Signed")),
    )


@case("contracts.services.catalog.catalog_import")
def _(w: W) -> tuple[Any, Call]:
    from apps.contracts.services.catalog import catalog_import

    _contract(w)
    csv = b"contract,sku,description,unit,unit_price,currency,spend_category\n"
    csv += b"CT-GUARD,A,Toner,each,1,EUR,FAC\n"
    return w.org.requester, lambda actor: catalog_import(
        actor=actor, upload=SimpleUploadedFile("c.csv", csv)
    )


@case("contracts.services.catalog.catalog_item_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.contracts.services.catalog import catalog_item_create

    contract = _contract(w)
    return w.org.requester, lambda actor: catalog_item_create(
        actor=actor,
        data={
            "contract": contract.pk,
            "description": "Toner",
            "unit_price": "1",
            "spend_category": "FAC",
        },
    )


@case("procurement.services.contract_spend.requisition_notes_link")
def _(w: W) -> tuple[Any, Call]:
    from apps.procurement.services.contract_spend import requisition_notes_link

    _contract(w)
    return w.org.requester, lambda actor: requisition_notes_link(actor=actor)


# --------------------------------------------------------------------------- assistants
@case("assistants.answers.services.supplier_question_ask")
def _(w: W) -> tuple[Any, Call]:
    from apps.assistants.answers.services import supplier_question_ask

    # an AP clerk is no supplier's portal user: only a supplier asks, about its own
    return w.aporg.clerk, lambda actor: supplier_question_ask(actor=actor, text="invoice 1?")


@case("assistants.answers.services.supplier_question_escalate")
def _(w: W) -> tuple[Any, Call]:
    import uuid

    from apps.assistants.answers.services import supplier_question_escalate

    return w.aporg.clerk, lambda actor: supplier_question_escalate(
        actor=actor, question_id=uuid.uuid4()
    )


@case("assistants.answers.services.supplier_question_reply")
def _(w: W) -> tuple[Any, Call]:
    import uuid

    from apps.assistants.answers.services import supplier_question_reply

    return w.org.requester, lambda actor: supplier_question_reply(
        actor=actor, question_id=uuid.uuid4(), reply="Paid on Friday."
    )


# --------------------------------------------------------------------------- tenancy
def _public(call: Call) -> Call:
    def run(actor: Any) -> Any:
        from apps.tenancy.context import public_context

        with public_context():
            return call(actor)

    return run


@case("tenancy.services.tenant_provision")
def _(w: W) -> tuple[Any, Call]:
    from apps.tenancy.services import tenant_provision

    return w.org.admin, _public(
        lambda actor: tenant_provision(
            actor=actor, slug="initech", name="Initech", domain="initech.localhost", brand={}
        )
    )


@case("tenancy.services.tenant_set_status")
def _(w: W) -> tuple[Any, Call]:
    from apps.tenancy.services import tenant_set_status

    tenant = w.org.tenant
    return w.org.admin, _public(
        lambda actor: tenant_set_status(
            actor=actor,
            client=tenant,
            status="suspended",
            reason="Contract ended.",
            confirm_name=tenant.name,
        )
    )


@case("tenancy.services.client_plan_set")
def _(w: W) -> tuple[Any, Call]:
    from apps.tenancy.services import client_plan_set

    tenant = w.org.tenant
    return w.org.admin, _public(
        lambda actor: client_plan_set(actor=actor, client=tenant, limits={"invoices_hard": 1})
    )


@case("tenancy.services.tenant_update_branding")
def _(w: W) -> tuple[Any, Call]:
    from apps.tenancy.services import tenant_update_branding

    tenant = w.org.tenant
    return w.org.admin, _public(
        lambda actor: tenant_update_branding(
            actor=actor, client=tenant, changes={"portal_name": "Taken over"}
        )
    )


# --------------------------------------------------------------------------- partner people
def _public_person(email: str) -> Any:
    """A public-schema user: a partner's person (`support@partner.test` holds a partner role,
    just not the one needed) or, for another address, nobody's."""
    from apps.accounts.models import User
    from apps.tenancy.context import public_context

    with public_context():
        found = User.objects.filter(email=email).first()
        return found or User.objects.create_user(email=email, password="x-long-password-1")


@case("partners.people.services.partner_user_invite")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.people.services import partner_user_invite

    return _public_person("support@partner.test"), _public(
        lambda actor: partner_user_invite(
            actor=actor, email="new@partner.test", role="partner_admin", base_url="http://x/"
        )
    )


@case("partners.people.services.partner_user_set_role")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.people.services import partner_user_set_role

    target = _public_person("billing@partner.test")
    return _public_person("support@partner.test"), _public(
        lambda actor: partner_user_set_role(actor=actor, user_id=target.pk, role="partner_admin")
    )


@case("partners.people.services.partner_user_remove")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.people.services import partner_user_remove

    target = _public_person("partner@partner.test")
    return _public_person("support@partner.test"), _public(
        lambda actor: partner_user_remove(actor=actor, user_id=target.pk)
    )


@case("partners.people.services.partner_user_mfa_reset")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.people.services import partner_user_mfa_reset

    target = _public_person("partner@partner.test")
    return _public_person("support@partner.test"), _public(
        lambda actor: partner_user_mfa_reset(actor=actor, user_id=target.pk)
    )


# the partner console's own single sign-on: partner admins only (support@ is not one)
@case("partners.sso.services.partner_sso_save")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.sso.services import partner_sso_save

    return _public_person("support@partner.test"), _public(
        lambda actor: partner_sso_save(
            actor=actor, changes={"protocol": "saml"}, break_glass_user=actor
        )
    )


@case("partners.sso.services.partner_sso_test_record")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.sso.services import partner_sso_test_record

    person = _public_person("support@partner.test")
    return person, _public(
        lambda actor: partner_sso_test_record(
            actor=actor, partner=person.partner_membership.partner, version=1, identity={}
        )
    )


@case("partners.sso.services.partner_sso_enforce")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.sso.services import partner_sso_enforce

    return _public_person("support@partner.test"), _public(
        lambda actor: partner_sso_enforce(actor=actor, enforced=True)
    )


# two-step sign-in is the partner console's: someone who is no partner's person has none
@case("accounts.mfa.services.mfa_authenticator_confirm")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.mfa.services import mfa_authenticator_confirm

    return _public_person("plain@public.test"), _public(
        lambda actor: mfa_authenticator_confirm(actor=actor, key="00" * 20, code="123456")
    )


@case("accounts.mfa.services.mfa_recovery_codes_renew")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.mfa.services import mfa_recovery_codes_renew

    return _public_person("plain@public.test"), _public(
        lambda actor: mfa_recovery_codes_renew(actor=actor)
    )


@case("accounts.mfa.services.mfa_authenticator_remove")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.mfa.services import mfa_authenticator_remove

    return _public_person("plain@public.test"), _public(
        lambda actor: mfa_authenticator_remove(actor=actor)
    )


# a person's own passkeys: a service account has no sign-in of its own to guard
def _integration_identity() -> Any:
    from apps.accounts.models import User

    return User.objects.create_user(
        email="svc.passkeys@a.test", password=None, is_service_account=True
    )


@case("accounts.mfa.passkeys.services.passkey_register")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.mfa.passkeys.ceremony import NewPasskey
    from apps.accounts.mfa.passkeys.services import passkey_register

    new = NewPasskey(credential_id=b"c" * 32, public_key=b"k", sign_count=0, transports=[])
    return _integration_identity(), lambda actor: passkey_register(actor=actor, name="key", new=new)


@case("accounts.mfa.passkeys.services.passkey_remove")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.mfa.passkeys.services import passkey_remove

    return _integration_identity(), lambda actor: passkey_remove(actor=actor, passkey_id=1)


# someone else's sign-in sessions: only a tenant admin ends them
@case("accounts.sessions.services.user_session_revoke")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.models import UserSession
    from apps.accounts.sessions.services import user_session_revoke

    now = timezone.now()
    record = UserSession.objects.create(
        user=w.org.approver, session_key="s" * 32, signed_in_at=now, last_seen_at=now
    )
    return w.org.requester, lambda actor: user_session_revoke(actor=actor, session_id=record.pk)


@case("accounts.sessions.services.user_sessions_revoke_all")
def _(w: W) -> tuple[Any, Call]:
    from apps.accounts.sessions.services import user_sessions_revoke_all

    return w.org.requester, lambda actor: user_sessions_revoke_all(
        actor=actor, user_id=w.org.approver.pk
    )


# --------------------------------------------------------------------------- partners
@case("partners.services.lifecycle.tenant_offboard")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.services.lifecycle import tenant_offboard

    tenant = w.org.tenant
    return w.org.admin, _public(
        lambda actor: tenant_offboard(
            actor=actor,
            client=tenant,
            confirm_name=tenant.name,
            reason="Contract ended.",
            retention_days=30,
        )
    )


@case("partners.services.lifecycle.tenant_offboard_cancel")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.services.lifecycle import tenant_offboard_cancel

    tenant = w.org.tenant
    return w.org.admin, _public(
        lambda actor: tenant_offboard_cancel(actor=actor, client=tenant, reason="Renewed.")
    )


@case("partners.policy_templates.services.template_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.policy_templates.services import template_create

    return w.org.admin, _public(
        lambda actor: template_create(
            actor=actor,
            name="Standard controls",
            document={},
            fields={"settings.budget_mode": "locked"},
        )
    )


@case("partners.policy_templates.services.template_version_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.models import PolicyTemplate
    from apps.partners.policy_templates.services import template_version_create

    return w.org.admin, _public(
        lambda actor: template_version_create(
            actor=actor, template=PolicyTemplate(name="Standard controls"), fields={"sod": "local"}
        )
    )


@case("partners.policy_templates.services.template_publish")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.models import PolicyTemplateVersion
    from apps.partners.policy_templates.services import template_publish

    return w.org.admin, _public(
        lambda actor: template_publish(
            actor=actor, version=PolicyTemplateVersion(number=1), stage="pilot", tenants=["a"]
        )
    )


@case("policies.services.policy_management_set")
def _(w: W) -> tuple[Any, Call]:
    from apps.policies.services import policy_management_set

    # a tenant admin cannot bind their own policy to a template: only the partner's side does
    return w.org.admin, lambda actor: policy_management_set(
        actor=actor,
        partner_name="Test Partners",
        template_name="Standard controls",
        template_ref=1,
        template_version=1,
        locked={},
        local=[],
    )


# --------------------------------------------------------------------------- sandboxes
@case("tenancy.services.sandbox_tenant_provision")
def _(w: W) -> tuple[Any, Call]:
    from apps.tenancy.services import sandbox_tenant_provision

    tenant = w.org.tenant
    return w.org.admin, _public(lambda actor: sandbox_tenant_provision(actor=actor, source=tenant))


@case("partners.sandbox.services.sandbox_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.sandbox.services import sandbox_create

    tenant = w.org.tenant
    return w.org.admin, _public(lambda actor: sandbox_create(actor=actor, from_client=tenant))


@case("partners.sandbox.services.sandbox_promote")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.sandbox.services import sandbox_promote

    tenant = w.org.tenant
    return w.org.admin, _public(lambda actor: sandbox_promote(actor=actor, sandbox=tenant))


@case("policies.services.approval_limit_set")
def _(w: W) -> tuple[Any, Call]:
    from apps.policies.services import approval_limit_set

    return w.org.requester, lambda actor: approval_limit_set(
        actor=actor, currency="USD", amount=Decimal("1000000"), role="requester"
    )


# --------------------------------------------------------------------------- assistants
@case("assistants.spend.services.spend_model_train")
def _(w: W) -> tuple[Any, Call]:
    from apps.assistants.spend.services import spend_model_train

    return w.org.requester, lambda actor: spend_model_train(actor=actor)


@case("assistants.spend.services.spend_model_retrain")
def _(w: W) -> tuple[Any, Call]:
    from apps.assistants.spend.services import spend_model_retrain

    return w.org.buyer, lambda actor: spend_model_retrain(actor=actor)


@case("assistants.services.advice_outcome")
def _(w: W) -> tuple[Any, Call]:
    from apps.assistants.services import advice_outcome, advice_record

    advice = advice_record(
        assistant="spend_coding",
        model_version="test",
        inputs={"title": "laptop"},
        output={"spend_category": "IT-HW"},
        confidence=0.9,
        shown_to=w.org.requester,
        subject_type="draft",
    )
    # someone else than the person it was shown to
    return w.org.approver, lambda actor: advice_outcome(advice, actor=actor, followed=True)


# --------------------------------------------------------------------------- partners
def _support_grant(w: W) -> Any:
    """A waiting support access request of the partner's support person to the org's tenant
    (the public-schema row; the partner person is looked up on the public schema)."""
    from apps.accounts.models import User
    from apps.partners.models import AccessGrant
    from apps.tenancy.context import public_context

    with public_context():
        person = User.objects.get(email="support@partner.test")
    tenant = w.org.tenant
    return AccessGrant.objects.create(
        partner_id=tenant.partner_id,
        partner_user=person,
        partner_user_email=person.email,
        client=tenant,
        reason="Invoices stuck",
        hours=2,
    )


@case("partners.support.services.access_request")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.support.services import access_request

    tenant = w.org.tenant
    return w.org.requester, _public(
        lambda actor: access_request(actor=actor, tenant=tenant.slug, reason="Look", hours=1)
    )


@case("partners.support.services.access_grant_approve")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.support.services import access_grant_approve

    grant = _support_grant(w)
    return w.org.requester, lambda actor: access_grant_approve(actor=actor, grant_id=grant.pk)


@case("partners.support.services.access_grant_refuse")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.support.services import access_grant_refuse

    grant = _support_grant(w)
    return w.org.requester, lambda actor: access_grant_refuse(actor=actor, grant_id=grant.pk)


@case("partners.support.services.access_grant_revoke")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.support.services import access_grant_revoke

    grant = _support_grant(w)
    return w.org.requester, lambda actor: access_grant_revoke(actor=actor, grant_id=grant.pk)


@case("partners.support.services.support_setting_update")
def _(w: W) -> tuple[Any, Call]:
    from apps.partners.support.services import support_setting_update

    return w.org.requester, lambda actor: support_setting_update(
        actor=actor, emergency_read_preapproved=True
    )


# --------------------------------------------------------------------------- single sign-on
def _sso_connected(w: W) -> Any:
    from apps.identity.services import sso_connection_save

    return sso_connection_save(
        actor=w.org.admin,
        changes={"protocol": "oidc", "discovery_url": "https://idp.example/.well-known/x",
                 "client_id": "spendgate"},
        client_secret="secret",
    )  # fmt: skip


@case("identity.services.sso_connection_save")
def _(w: W) -> tuple[Any, Call]:
    from apps.identity.services import sso_connection_save

    return w.org.requester, lambda actor: sso_connection_save(
        actor=actor, changes={"protocol": "oidc", "client_id": "mine"}
    )


@case("identity.services.sso_test_record")
def _(w: W) -> tuple[Any, Call]:
    from apps.identity.services import sso_test_record

    connection = _sso_connected(w)
    return w.org.requester, lambda actor: sso_test_record(
        actor=actor, version=connection.version, identity={"email": "x@a.test"}
    )


@case("identity.services.sso_enforce")
def _(w: W) -> tuple[Any, Call]:
    from apps.identity.services import sso_enforce

    _sso_connected(w)
    return w.org.requester, lambda actor: sso_enforce(actor=actor, enforced=False)


# --------------------------------------------------------------------------- retention
@case("retention.services.holds.legal_hold_place")
def _(w: W) -> tuple[Any, Call]:
    from apps.retention.services.holds import legal_hold_place

    return w.org.admin, lambda actor: legal_hold_place(
        actor=actor, scope="supplier", supplier=str(w.aporg.supplier.pk), reason="Lawsuit"
    )


@case("retention.services.holds.legal_hold_release")
def _(w: W) -> tuple[Any, Call]:
    from apps.retention.services.holds import legal_hold_place, legal_hold_release

    hold = legal_hold_place(
        actor="system:test", scope="supplier", supplier=str(w.aporg.supplier.pk), reason="Case"
    )
    return w.aporg.apmanager, lambda actor: legal_hold_release(actor=actor, hold_id=hold.pk)


@case("retention.services.purge.retention_purge")
def _(w: W) -> tuple[Any, Call]:
    from apps.retention.services.purge import retention_purge

    return w.org.admin, lambda actor: retention_purge(actor=actor)


# --------------------------------------------------------------------------- privacy
@case("privacy.services.erasure_request_create")
def _(w: W) -> tuple[Any, Call]:
    from apps.privacy.services import erasure_request_create

    return w.org.requester, lambda actor: erasure_request_create(
        actor=actor, kind="user", subject_id=w.org.approver.pk
    )


@case("privacy.services.erasure_execute")
def _(w: W) -> tuple[Any, Call]:
    from apps.privacy.models import ErasureRequest
    from apps.privacy.services import erasure_execute

    request = ErasureRequest.objects.create(kind="user", subject_id=str(w.org.approver.pk))
    return w.org.requester, lambda actor: erasure_execute(actor=actor, request_id=request.pk)


# Steps other services call after their own guard, never a door of their own: route hooks
# run after a task decision was checked, and engine steps inside a checked service.
INTERNAL = {
    "invoices.services.closing.exception_close": "inside exception_resolve / credit notes",
    "invoices.services.credit_notes.credit_note_request": "inside exception_resolve",
    "invoices.services.credit_notes.credit_note_link": "inside exception_resolve",
    "invoices.services.corrections.supplier_choose": "inside exception_resolve",
    "payments.services.runs.invoices_paid": "inside payment_run_confirm, statement_import",
    "invoices.services.corrections.order_lines_confirm": "inside exception_resolve",
    "matching.services.outcome.invoices_match": "the matching task's work (system)",
    "invoices.services.references.orders_quoted": "inside invoice_receive",
    "invoices.services.references.credited_invoice": "inside invoice_receive",
    "matching.services.approval.invoice_approve": "inside the route hook and matching",
    "matching.services.approval.invoice_route_approved": "workflow hook after task_approve",
    "matching.services.approval.invoice_route_rejected": "workflow hook after task_reject",
    "procurement.services.requisition_steps.announce": "the requisition services' event write",
    "procurement.services.requisition_steps.resolve_header": "inside requisition create/update",
    "procurement.services.requisition_steps.locked": "the requisition services' row lock",
    "contracts.services.register.locked": "the contract services' row lock",
    "contracts.services.register.amendment_record": "inside contract_amend and auto-renewal",
    "contracts.services.register.contract_route_approved": "workflow hook",
    "contracts.services.register.contract_route_rejected": "workflow hook",
    "procurement.services.requisitions.requisition_route_approved": "workflow hook",
    "procurement.services.requisitions.requisition_route_rejected": "workflow hook",
    "suppliers.services.decisions.supplier_route_approved": "workflow hook",
    "suppliers.services.decisions.supplier_route_rejected": "workflow hook",
    "suppliers.services.access.may_act_for": "the supplier guard itself",
    "suppliers.services.access.locked_for": "the supplier guard itself",
    "suppliers.services.access.may_read_files": "the file guard itself (test_file_access)",
    "suppliers.services.access.require_file_access": "the file guard itself (test_file_access)",
    "workflow.services.route_cancel": "inside withdraw, cancel, block and reject",
    "workflow.services.notification_dismiss": "a person's own notices only (tests/portal)",
    "audit.services.audit_record": "the trail's writer",
    "audit.services.actor_label": "the trail's writer",
    "events.services.event_record": "the one event write",
    "assistants.reading.services.reader_scope": "the invoice-reading guard itself",
    "assistants.reading.services.reading_of": "inside invoice_extract and the mail's drafts",
    "assistants.reading.services.outcome_record": "after reading_confirm, reading_draft_file",
    "assistants.exceptions.services.exception_advice_decided": (
        "exception_resolve's hook after the commit: settles the advice shown"
    ),
}


def _services_with_an_actor() -> set[str]:
    found = set()
    modules = [p for p in (ROOT / "apps").rglob("*.py") if "migrations" not in p.parts]
    for path in modules:
        relative = path.relative_to(ROOT / "apps").with_suffix("")
        if "services" not in relative.parts and relative.parts[0] != "assurance":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                names = [a.arg for a in node.args.kwonlyargs + node.args.args]
                if "actor" in names:
                    found.add(".".join([*relative.parts, node.name]).replace(".__init__", ""))
    return found


def test_every_service_with_an_actor_has_its_refusal_test_or_is_an_internal_step() -> None:
    assert _services_with_an_actor() == set(CASES) | set(INTERNAL)


@pytest.mark.parametrize("service", sorted(CASES))
def test_the_service_refuses_a_person_without_the_capability(
    service: str, aporg: Any, sorg: Any, receive: Any, in_tenant: Any, sanctions: Any
) -> None:
    with in_tenant(aporg.tenant):
        with transaction.atomic():
            actor, call = CASES[service](W(aporg=aporg, sorg=sorg, receive=receive))
        events = AuditEvent.objects.count(), OutboxEvent.objects.count()
        with pytest.raises(PermissionRefused) as refused, transaction.atomic():
            call(actor)
        assert (AuditEvent.objects.count(), OutboxEvent.objects.count()) == events
    # the refusal a page shows is a sentence in words, not a code of the label registry
    text = refused.value.text()
    assert text.endswith(".") and not [
        code for code in raw_codes() if re.search(rf"(?<![\w.]){re.escape(code)}(?!\w)", text)
    ], text


@pytest.mark.parametrize("service", sorted(CASES))
def test_the_service_refuses_an_assistant(
    service: str, aporg: Any, sorg: Any, receive: Any, in_tenant: Any, sanctions: Any
) -> None:
    """An AI assistant advises and never decides: every state-changing service refuses an
    assistant actor (403, or 404 where a person outside the subject would get one), and
    writes nothing (issue 33)."""
    from apps.assistants.services import assistant_actor

    with in_tenant(aporg.tenant):
        with transaction.atomic():
            _person, call = CASES[service](W(aporg=aporg, sorg=sorg, receive=receive))
        events = AuditEvent.objects.count(), OutboxEvent.objects.count()
        with pytest.raises((PermissionRefused, NotFound)), transaction.atomic():
            call(assistant_actor("exception_advice"))
        assert (AuditEvent.objects.count(), OutboxEvent.objects.count()) == events


def test_require_names_the_assistant() -> None:
    from apps.assistants.services import assistant_actor
    from apps.controls.guards import require

    with pytest.raises(PermissionRefused) as refused:
        require(assistant_actor("spend_coding"), "accounts.approve_requisitions")
    assert refused.value.text() == "An assistant advises; a person decides."


def test_a_requester_whose_role_was_taken_away_cannot_submit(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    from apps.accounts.services import user_set_roles
    from apps.procurement.services.requisitions import requisition_cancel

    with in_tenant(aporg.tenant):
        requisition = world.draft(aporg.org.requester)
        user_set_roles(actor=aporg.org.admin, user=aporg.org.requester, roles=["receiver"])
        requester = type(aporg.org.requester).objects.get(pk=aporg.org.requester.pk)
        with pytest.raises(PermissionRefused):
            requisition_cancel(actor=requester, requisition_id=requisition.pk)


def test_the_invoice_page_lets_no_requester_rematch(
    aporg: Any, receive: Any, in_tenant: Any, make_user: Any
) -> None:
    """The page's `action=rematch` reaches the same guard as the API."""
    from django.test import Client as PageClient

    from tests.conftest import PASSWORD, host_of

    with in_tenant(aporg.tenant):
        exception = world.price_exception(aporg, receive, "PAGE-1")
        events = AuditEvent.objects.filter(action="invoice.rematch_requested").count()
    page = PageClient(HTTP_HOST=host_of(aporg.tenant))
    signed = page.post("/login/", {"username": aporg.org.requester.email, "password": PASSWORD})
    assert signed.status_code == 302
    response = page.post(f"/invoices/{exception.invoice_id}/", {"action": "rematch"}, follow=True)
    assert response.status_code == 403  # a requester does not open invoices at all
    receiver = PageClient(HTTP_HOST=host_of(aporg.tenant))
    receiver.post("/login/", {"username": aporg.org.receiver.email, "password": PASSWORD})
    response = receiver.post(
        f"/invoices/{exception.invoice_id}/", {"action": "rematch"}, follow=True
    )
    assert "You do not have the role this action needs." in response.content.decode()
    with in_tenant(aporg.tenant):
        assert AuditEvent.objects.filter(action="invoice.rematch_requested").count() == events
