"""Every destructive or money-moving action is asked for twice (issue 34).

The portal's forms were read one by one; each that cancels, discards, removes, revokes,
rejects, terminates, blocks, rotates a secret, takes roles away or moves money is listed in
CONFIRMED with the page that shows it. For each: the rendered form carries the confirm
component (templates/components/confirm.html, or the release review that is its own step); a
POST without the confirmation changes nothing and answers the confirmation step; the step's
own form, posted as a person without JavaScript would, carries the action out. A person who
lacks the action's capability is refused before any step. Each entry names the view and the
step (its `when`) it reaches, and the views' declared steps are exactly these.

The list cannot be skipped: every POST form in templates/ whose button is a `danger` one, that
includes the confirm component, or whose action, fields or button name a word of
DESTRUCTIVE_WORDS, must be in CONFIRMED or in NOT_CONFIRMED with the reason written down.

Read and classified, not destructive (no entry needed; no destructive word or `danger`):
sign in/out, invitations, set password, reference data add/edit, requisition create/save/
submit/withdraw/source (issuing the approved order), goods receipt, PO acknowledge, supplier
invite/onboarding/profile/documents/bank details entry, call-back record, shared-account clear,
screening false positive, checks again, reopen onboarding, new onboarding link, invoice import/
submit/match again, exception resolve/assign/comment, payment proposal, bank statement,
contract create/activate/amend/catalog/document, mailbox, mail assign, draft file, policy save/
publish/new draft (versions are kept), endpoint add/test/recover/switch on, delivery retry, ERP
connect, event apply again, reconcile, service account add, audit packs/reports/chain check,
out-of-office hand-over, notice dismiss, assistant questions and retraining, tolerance draft,
branding, tenant create, reactivating a user. No page deletes documents or attachments or
retires a policy today: when one does, its form names the word and this test asks for it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import lxml.html
import pytest
from django.test import Client as BrowserClient
from django.urls import resolve
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.tenancy.partner_pages import PartnerConfirm
from tests import world
from tests.conftest import PASSWORD, ROOT
from tests.invoices.conftest import aporg, receive
from tests.suppliers.conftest import invite, sanctions, sorg
from tests.world import World

__all__ = ["aporg", "receive", "sanctions", "sorg"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]

TEMPLATES = ROOT / "templates"
# words that name a destructive or money-moving action in a form's URL, fields or button
DESTRUCTIVE_WORDS = {
    "cancel", "discard", "delete", "remove", "revoke", "reject", "terminate", "suspend",
    "suspended", "disable", "release", "rotate", "block", "true_match", "roles", "approve",
    "confirm", "deactivate", "retire", "archive", "void", "pay",
}  # fmt: skip


@dataclass(frozen=True)
class Destructive:
    """One confirmed action: the template that draws its form and the word that picks the form
    there; how to reach it (who, which page, the form on it) from a fresh organisation."""

    template: str
    word: str
    reach: Callable[[World], tuple[Any, str, str]]  # (person, page, XPath of the form)
    choose: tuple[tuple[str, str], ...] = ()  # a choice the person makes in the form first
    # the view that asks, and the step's `when` there ("action=cancel", "kind=erp verb=delete")
    view: str = dataclasses.field(default="", kw_only=True)
    when: str = dataclasses.field(default="", kw_only=True)


def _person(email: str, roles: list[str]) -> Any:
    from apps.accounts.services import user_ensure

    return user_ensure(email=email, password=PASSWORD, roles=roles)


def _payer() -> Any:
    """An AP manager who neither approved the invoices nor entered the bank account."""
    return _person("payer@a.test", ["ap_manager"])


def _action_form(value: str) -> str:
    return f'//form[.//input[@name="action"][@value="{value}"]]'


def _posting_to(path: str) -> str:
    return f'//form[@action="{path}"]'


def _run_cancel(w: World) -> tuple[Any, str, str]:
    run = world.proposed_run(w.aporg, w.receive)
    return _payer(), f"/payments/{run.pk}/", _action_form("cancel")


def _run_release(w: World) -> tuple[Any, str, str]:
    run = world.proposed_run(w.aporg, w.receive)
    return _payer(), f"/payments/{run.pk}/?confirm=release", _action_form("release")


def _run_paid(w: World) -> tuple[Any, str, str]:
    run = world.released_run(w.aporg, w.receive)
    return _payer(), f"/payments/{run.pk}/", _action_form("confirm")


def _requisition_cancel(w: World) -> tuple[Any, str, str]:
    requisition = world.draft(w.org.requester)
    page = f"/requisitions/{requisition.pk}/"
    return w.org.requester, page, _posting_to(f"{page}cancel/")


def _task_reject(w: World) -> tuple[Any, str, str]:
    _requisition, task = world.pending(w.org.requester)
    return task.assignee, "/tasks/", f'//form[.//button[@hx-post="/tasks/{task.pk}/reject/"]]'


def _contract(w: World) -> Any:
    from apps.contracts.services.register import contract_activate, contract_create

    contract = contract_create(
        actor=w.org.buyer,
        data={
            "number": "CT-CONFIRM",
            "title": "Office cleaning",
            "supplier": w.aporg.supplier.pk,
            "legal_entities": ["DE01"],
            "spend_categories": ["FAC"],
            "starts_on": timezone.localdate(),
            "ends_on": timezone.localdate() + timedelta(days=90),
            "value_cap": "1000",
            "currency": "EUR",
        },
    )
    return contract_activate(actor=w.org.buyer, contract_id=contract.pk)


def _contract_terminate(w: World) -> tuple[Any, str, str]:
    return w.org.buyer, f"/contracts/{_contract(w).pk}/", _action_form("terminate")


def _mail_discard(w: World) -> tuple[Any, str, str]:
    from apps.inbox.services import mail_receive

    raw = b"From: x@unknown.test\r\nMessage-ID: <q-1@unknown.test>\r\nSubject: hi\r\n\r\nhello"
    mail = mail_receive(raw=raw, source="api")
    return w.aporg.clerk, f"/invoices/mail/{mail.pk}/", _action_form("discard")


def _draft_discard(w: World) -> tuple[Any, str, str]:
    from apps.inbox.models import ReadingDraft
    from apps.inbox.services import mail_receive
    from tests.assistants.test_invoice_reading import contoso_invoice
    from tests.inbox.test_mail import mail

    _truth, pdf = contoso_invoice()
    message = mail_receive(
        raw=bytes(mail("billing@contoso.test", "x", ("scan.pdf", "application/pdf", pdf))),
        source="api",
    )
    draft = ReadingDraft.objects.get(mail=message)
    return w.aporg.clerk, f"/invoices/mail/drafts/{draft.pk}/", _action_form("discard")


def _endpoint(w: World) -> Any:
    from apps.integrations.services.endpoints import endpoint_create

    endpoint, _secret = endpoint_create(
        actor=w.org.admin, data={"url": "https://93.184.216.34/hook"}
    )
    return endpoint


INTEGRATIONS = "/settings/integrations/"


def _endpoint_disable(w: World) -> tuple[Any, str, str]:
    path = f"{INTEGRATIONS}endpoints/{_endpoint(w).pk}/disable/"
    return w.org.admin, INTEGRATIONS, _posting_to(path)


def _endpoint_delete(w: World) -> tuple[Any, str, str]:
    path = f"{INTEGRATIONS}endpoints/{_endpoint(w).pk}/delete/"
    return w.org.admin, INTEGRATIONS, _posting_to(path)


def _endpoint_rotate(w: World) -> tuple[Any, str, str]:
    endpoint = _endpoint(w)
    return w.org.admin, INTEGRATIONS, f'//form[.//input[@name="rotate"][@value="{endpoint.pk}"]]'


def _connection(w: World) -> Any:
    from apps.integrations.services.access import erp_connection_create

    connection, _secret = erp_connection_create(actor=w.org.admin, data={"name": "ERP"})
    return connection


def _erp_rotate(w: World) -> tuple[Any, str, str]:
    _connection(w)
    return w.org.admin, INTEGRATIONS, '//form[.//input[@name="form"][@value="erp_rotate"]]'


def _erp_delete(w: World) -> tuple[Any, str, str]:
    path = f"{INTEGRATIONS}erp/{_connection(w).pk}/delete/"
    return w.org.admin, INTEGRATIONS, _posting_to(path)


def _inbound_discard(w: World) -> tuple[Any, str, str]:
    from apps.integrations.models import InboundEvent

    event = InboundEvent.objects.create(
        connection=_connection(w),
        message_id="msg_confirm",
        event_type="invoice.posted",
        data={"invoice": "unknown"},
        status=InboundEvent.Status.FAILED,
        reason="No such invoice in Spendgate (yet).",
    )
    return w.org.admin, INTEGRATIONS, _posting_to(f"{INTEGRATIONS}inbound/{event.pk}/discard/")


def _service_account(w: World) -> Any:
    from apps.integrations.services.access import service_account_create

    account, _key = service_account_create(
        actor=w.org.admin, data={"name": "ERP", "scopes": ["invoices:export"]}
    )
    return account


def _account_rotate(w: World) -> tuple[Any, str, str]:
    _service_account(w)
    return w.org.admin, INTEGRATIONS, '//form[.//input[@name="form"][@value="account_rotate"]]'


def _account_revoke(w: World) -> tuple[Any, str, str]:
    path = f"{INTEGRATIONS}account/{_service_account(w).pk}/revoke/"
    return w.org.admin, INTEGRATIONS, _posting_to(path)


def _pending_account(w: World, *, called_back: bool) -> Any:
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


def _bank_approve(w: World) -> tuple[Any, str, str]:
    account = _pending_account(w, called_back=True)
    page = f"/suppliers/{account.supplier_id}/"
    return w.aporg.clerk2, page, _posting_to(f"/suppliers/bank-accounts/{account.pk}/approve/")


def _bank_reject(w: World) -> tuple[Any, str, str]:
    account = _pending_account(w, called_back=False)
    page = f"/suppliers/{account.supplier_id}/"
    return w.aporg.clerk2, page, _posting_to(f"/suppliers/bank-accounts/{account.pk}/reject/")


def _screening_block(w: World) -> tuple[Any, str, str]:
    from apps.suppliers.models import ScreeningHit
    from apps.suppliers.services.checks import supplier_checks_run

    supplier = invite(w.sorg, "Banco Nacional de Cuba")
    supplier_checks_run(supplier_id=supplier.pk)
    hit = ScreeningHit.objects.filter(supplier=supplier).first()
    assert hit is not None, "the SDN excerpt names this bank"
    path = f"/suppliers/screening/{hit.pk}/resolve/"
    return w.aporg.compliance, "/suppliers/screening/", _posting_to(path)


def _price_exception(w: World) -> tuple[Any, str, str]:
    exception = world.price_exception(w.aporg, w.receive, "INV-CONFIRM-1")
    return w.aporg.clerk, f"/exceptions/{exception.pk}/", '//form[@data-testid="resolve-form"]'


def _duplicate(w: World) -> tuple[Any, str, str]:
    from tests.invoices.conftest import invoice_body, make_order
    from tests.invoices.test_matching import receive_and_match

    order = make_order(w.aporg, [("Cable", "10", "12.00")])
    w.receive(w.aporg, order, {1: "10"})
    receive_and_match(w.aporg, invoice_body(order, number="INV-5", quantities={1: "5"}))
    twin = receive_and_match(w.aporg, invoice_body(order, number="inv 0005", quantities={1: "5"}))
    exception = twin.exceptions.get(code="duplicate_suspected")
    return w.aporg.clerk, f"/exceptions/{exception.pk}/", '//form[@data-testid="resolve-form"]'


def _roles_save(w: World) -> tuple[Any, str, str]:
    path = f"/settings/users/{w.org.approver.pk}/roles/"
    return w.org.admin, "/settings/", _posting_to(path)


def _user_deactivate(w: World) -> tuple[Any, str, str]:
    path = f"/settings/users/{w.org.approver.pk}/deactivate/"
    return w.org.admin, "/settings/", _posting_to(path)


def _support_revoke(w: World) -> tuple[Any, str, str]:
    """An active support access grant of the partner's support person to this tenant."""
    from apps.accounts.models import User
    from apps.partners.models import AccessGrant
    from apps.tenancy.context import public_context

    with public_context():
        person = User.objects.get(email="support@partner.test")
    now = timezone.now()
    AccessGrant.objects.create(
        partner_id=w.org.tenant.partner_id,
        partner_user=person,
        partner_user_email=person.email,
        client=w.org.tenant,
        reason="Invoices stuck",
        hours=2,
        status="active",
        starts_at=now,
        expires_at=now + timedelta(hours=2),
    )
    return (
        w.org.admin,
        "/settings/support-access/",
        '//form[.//input[@name="action"][@value="revoke"]]',
    )


def _sso_enforce(w: World) -> tuple[Any, str, str]:
    """A tested connection with a break-glass admin: enforcement may be turned on."""
    from apps.identity.services import sso_connection_save, sso_test_record

    connection = sso_connection_save(
        actor=w.org.admin,
        changes={"protocol": "oidc", "discovery_url": "https://idp.example/.well-known/x",
                 "client_id": "spendgate"},
        client_secret="secret",
        break_glass_user=w.org.admin,
    )  # fmt: skip
    sso_test_record(actor=w.org.admin, version=connection.version, identity={})
    return w.org.admin, "/settings/sso/", _posting_to("/settings/sso/enforcement/")


def _live_session_of(person: Any) -> Any:
    """A signed-in session of `person` elsewhere (another browser), with its record."""
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.models import UserSession

    store = SessionStore()
    store.create()
    now = timezone.now()
    return UserSession.objects.create(
        user=person, session_key=store.session_key, signed_in_at=now, last_seen_at=now
    )


def _session_end(w: World) -> tuple[Any, str, str]:
    record = _live_session_of(w.org.approver)
    return w.org.admin, f"/settings/users/{record.user_id}/sessions/", _action_form("revoke")


def _sessions_end_all(w: World) -> tuple[Any, str, str]:
    record = _live_session_of(w.org.approver)
    page = f"/settings/users/{record.user_id}/sessions/"
    return w.org.admin, page, _action_form("revoke_others")


def _passkey_remove(w: World) -> tuple[Any, str, str]:
    from apps.accounts.models import Passkey

    passkey = Passkey.objects.create(
        user=w.org.requester, name="laptop", credential_id=b"p" * 32, public_key=b"k"
    )
    return (
        w.org.requester,
        "/account/sessions/",
        _posting_to(f"/account/passkeys/{passkey.pk}/remove/"),
    )


CONFIRMED = [
    Destructive(
        "identity/_connection_status.html", "enforced", _sso_enforce, view="sso_enforcement"
    ),
    Destructive(
        "partners/support_access.html",
        "revoke",
        _support_revoke,
        view="tenant_support_access",
        when="action=revoke",
    ),
    Destructive(
        "payments/payment_run_detail.html",
        "release",
        _run_release,
        view="payment_run_detail",
        when="action=release",
    ),
    Destructive(
        "payments/payment_run_detail.html",
        "cancel",
        _run_cancel,
        view="payment_run_detail",
        when="action=cancel",
    ),
    Destructive(
        "payments/payment_run_detail.html",
        "confirm",
        _run_paid,
        view="payment_run_detail",
        when="action=confirm",
    ),
    Destructive(
        "procurement/requisition_detail.html",
        "cancel",
        _requisition_cancel,
        view="requisition_action",
        when="verb=cancel",
    ),
    Destructive(
        "workflow/_task_row.html", "reject", _task_reject, view="decide", when="verb=reject"
    ),
    Destructive(
        "contracts/contract_detail.html",
        "terminate",
        _contract_terminate,
        view="contract_detail",
        when="action=terminate",
    ),
    Destructive(
        "inbox/mail_detail.html",
        "discard",
        _mail_discard,
        view="mail_detail",
        when="action=discard",
    ),
    Destructive(
        "inbox/draft_detail.html",
        "discard",
        _draft_discard,
        view="draft_detail",
        when="action=discard",
    ),
    Destructive(
        "integrations/settings.html",
        "disable",
        _endpoint_disable,
        view="endpoint_action",
        when="verb=disable",
    ),
    Destructive(
        "integrations/settings.html",
        "delete",
        _endpoint_delete,
        view="endpoint_action",
        when="verb=delete",
    ),
    Destructive(
        "integrations/settings.html",
        "rotate",
        _endpoint_rotate,
        view="integrations",
        when="rotate=*",
    ),
    Destructive(
        "integrations/erp.html",
        "erp_rotate",
        _erp_rotate,
        view="integrations",
        when="form=erp_rotate",
    ),
    Destructive(
        "integrations/erp.html",
        "delete",
        _erp_delete,
        view="access_action",
        when="kind=erp verb=delete",
    ),
    Destructive(
        "integrations/erp.html",
        "discard",
        _inbound_discard,
        view="access_action",
        when="kind=inbound verb=discard",
    ),
    Destructive(
        "integrations/erp.html",
        "account_rotate",
        _account_rotate,
        view="integrations",
        when="form=account_rotate",
    ),
    Destructive(
        "integrations/erp.html",
        "revoke",
        _account_revoke,
        view="access_action",
        when="kind=account verb=revoke",
    ),
    Destructive(
        "suppliers/_bank_accounts.html",
        "approve",
        _bank_approve,
        view="bank_account_action",
        when="action=approve",
    ),
    Destructive(
        "suppliers/_bank_accounts.html",
        "reject",
        _bank_reject,
        view="bank_account_action",
        when="action=reject",
    ),
    Destructive(
        "suppliers/screening_queue.html",
        "true_match",
        _screening_block,
        view="screening_resolve",
        when="decision=true_match",
    ),
    Destructive("accounts/settings.html", "roles", _roles_save, view="user_roles_update"),
    Destructive(
        "accounts/user_sessions.html",
        "revoke",
        _session_end,
        view="user_sessions",
        when="action=revoke",
    ),
    Destructive(
        "accounts/user_sessions.html",
        "revoke_others",
        _sessions_end_all,
        view="user_sessions",
        when="action=revoke_others",
    ),
    Destructive("accounts/_passkeys.html", "remove", _passkey_remove, view="remove"),
    Destructive("accounts/settings.html", "deactivate", _user_deactivate, view="user_deactivate"),
    *(
        Destructive(
            "invoices/exception_detail.html",
            r,
            reach,
            (("resolution", r),),
            view="exception_detail",
            when=f"resolution={r}",
        )
        for r, reach in (
            ("reject_invoice", _price_exception),
            ("override", _price_exception),
            ("accept_variance", _price_exception),
            ("release_duplicate", _duplicate),
        )
    ),
]
# forms a destructive word or a danger button points at, with why they are not in CONFIRMED
NOT_CONFIRMED = {
    **dict.fromkeys(
        [("tenancy/tenant_detail.html", "suspended"), ("tenancy/tenant_detail.html", "suspend")],
        "suspension asks for the tenant's name and a reason (the partner console's own step)",
    ),
    ("workflow/_task_row.html", "approve"): (
        "approving is the approver's everyday forward decision; rejecting is confirmed"
    ),
    ("workflow/approval_link.html", "reject"): (
        "the page an e-mailed or Teams link opens is itself the confirmation: the link chose "
        "reject, the page shows the request and asks the reason (tests/workflow)"
    ),
    ("partners/support_access.html", "approve"): (
        "approving support access opens it for the hours shown in the row, read-only unless the "
        "row names a write; it is revoked at any moment (revoking is confirmed)"
    ),
    # the partner console (public host, outside the tenant URLs this list walks): its steps
    # are confirm_first with PartnerConfirm, tested in tests/partners and tests/accounts
    ("partners/people.html", "people"): (
        "removing a person and resetting their two-step sign-in are confirmed on the partner "
        "console (tests/partners/test_people.py)"
    ),
    ("accounts/security.html", "remove"): (
        "removing the authenticator is confirmed (OwnSignInConfirm) on the partner console and "
        "on a tenant host "
        "(tests/accounts/test_partner_mfa.py)"
    ),
    ("accounts/security_set_up.html", "confirm"): "confirms the app's code; it removes nothing",
    ("accounts/_sessions.html", "revoke"): (
        "ends the person's own other browser sessions; nothing is lost, signing in there again "
        "restores them (tests/accounts/test_sessions.py); an admin's ending is confirmed"
    ),
    # offboarding's own review step (what is exported, the deletion date) is its confirmation:
    # tests/partners/test_lifecycle.py::test_the_console_confirms_then_offboards_and_...
    ("partners/lifecycle_offboard.html", "confirm"): (
        "the offboarding asks first on its own review step, which says what is exported and "
        "the date everything is deleted; nothing is deleted before that date"
    ),
    ("partners/lifecycle_offboard.html", "offboard"): (
        "the offboarding's first step: it only leads to the review step above"
    ),
    ("partners/lifecycle_offboard.html", "cancel"): (
        "cancelling an offboarding keeps the tenant and its data: nothing is removed"
    ),
}


# --------------------------------------------------------------------------- the list is whole
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
TAG = re.compile(r"\{[{%].*?[%}]\}", re.S)


def _words(form: str) -> set[str]:
    """What a form names: its URL's segments, hidden fields' names and values, buttons' names
    and values, whole and split at `_`."""
    plain = TAG.sub(" ", form)
    found: set[str] = set()
    for tag in re.findall(r"\{%\s*(?:include|url)\b.*?%\}", form, re.S):
        # the confirm component's button field, and the words of a `{% url %}`
        found |= set(re.findall(r'\b(?:name|value)="([^"]*)"', tag))
        found |= {v for vs in re.findall(r'\bvalues="([^"]*)"', tag) for v in vs.split()}
        found |= set(re.findall(r'\s"([a-z_]+)"', tag))
        field = re.search(r'\bfield="([^"]*)"', tag)
        if field and re.search(r"\bvalues=[a-z_]", tag):
            # the values the view declares for the field (apps.api.pages.confirmed_values)
            found |= {dict(_pairs(when)).get(field.group(1), "") for _view, when in _declared()} - {
                ""
            }
    for url in re.findall(r'(?:action|hx-post)="([^"]*)"', form):
        found |= {part for part in TAG.sub("/", url).split("/") if part}
    for tag in re.findall(r"<(?:input|button)\b[^>]*>", plain):
        if "<input" in tag and 'type="hidden"' not in tag:
            continue
        for attr in ("name", "value"):
            match = re.search(rf'\b{attr}="([^"]*)"', tag)
            if match:
                found.add(match.group(1))
    return found | {part for word in found for part in word.split("_")}


def _posting_forms() -> list[tuple[str, str]]:
    forms = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.parent.name == "components":  # the confirmation step itself
            continue
        for form in FORM.findall(path.read_text()):
            head = form[: form.index(">")]
            if 'method="post"' in head.lower() or "hx-post" in form:
                forms.append((str(path.relative_to(TEMPLATES)), form))
    return forms


def test_every_destructive_form_is_in_the_list() -> None:
    listed = {(d.template, d.word) for d in CONFIRMED} | set(NOT_CONFIRMED)
    unlisted = []
    for template, form in _posting_forms():
        named = _words(form) & DESTRUCTIVE_WORDS
        danger = bool(re.search(r'<button\b[^>]*class="[^"]*\bdanger\b', form))
        danger = danger or "components/confirm.html" in form
        if not named and not danger:
            continue
        if not any((template, word) in listed for word in _words(form)):
            unlisted.append(f"{template}: {sorted(named) or 'danger button'}")
    assert not unlisted, "destructive forms not in CONFIRMED or NOT_CONFIRMED:\n" + "\n".join(
        unlisted
    )


def test_each_listed_form_draws_the_confirm_step() -> None:
    for entry in CONFIRMED:
        forms = [f for t, f in _posting_forms() if t == entry.template and entry.word in _words(f)]
        assert forms, entry
        for form in forms:
            assert "components/confirm.html" in form or 'name="confirmation"' in form, entry


def _pairs(when: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(tuple(pair.split("=", 1)) for pair in when.split()))  # type: ignore[misc]


def _when(step: Any) -> str:
    return " ".join(f"{name}={value}" for name, value in sorted(step.when.items()))


def _declared_steps() -> dict[tuple[str, str], Any]:
    """Every step a view declares, by (the view's name, its `when`)."""
    from django.urls import get_resolver

    declared = {}
    for pattern in _patterns(get_resolver().url_patterns):
        for step in getattr(pattern.callback, "confirmations", ()):
            if isinstance(step, PartnerConfirm):
                continue  # one's own sign-in (tests/mfa, tests/accounts) or the partner console's
            declared[(pattern.callback.__name__, _when(step))] = step
    return declared


def _declared() -> set[tuple[str, str]]:
    return set(_declared_steps())


def test_the_list_is_what_the_views_ask_to_confirm() -> None:
    """Each view that asks to confirm declares its steps; the list reaches exactly those."""
    listed = {(d.view, d.when) for d in CONFIRMED}
    assert len(listed) == len(CONFIRMED), "two entries name the same step"
    declared = _declared()
    assert listed == declared, {
        "declared, not in the list": sorted(declared - listed),
        "in the list, not declared": sorted(listed - declared),
    }


def test_each_step_names_a_capability_the_roles_know() -> None:
    from apps.accounts.roles import ROLE_CAPABILITIES
    from apps.accounts.sessions.views import OwnConfirm

    known = {f"accounts.{c}" for capabilities in ROLE_CAPABILITIES.values() for c in capabilities}
    for key, step in _declared_steps().items():
        if isinstance(step, OwnConfirm):
            continue  # one's own sign-in (a passkey): anyone signed in, others' answered 404
        assert step.capabilities and set(step.capabilities) <= known, (key, step.capabilities)


def _patterns(patterns: list[Any]) -> list[Any]:
    found = []
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            found += _patterns(pattern.url_patterns)
        else:
            found.append(pattern)
    return found


# --------------------------------------------------------------------------- over HTTP
def _signed_in(tenant: Any, person: Any) -> BrowserClient:
    browser = BrowserClient(HTTP_HOST=tenant.domains.get(is_primary=True).domain)
    signed = browser.post("/login/", {"username": person.email, "password": PASSWORD})
    assert signed.status_code == 302, signed.content.decode()[-500:]
    return browser


def _form_data(form: Any, submitter: Any = None) -> dict[str, list[str]]:
    """What the browser sends: the form's fields, an empty text field (a reason, a comment)
    filled in as a person would, and the button's own field."""
    data: dict[str, list[str]] = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    for field in form.xpath('.//input[not(@type) or @type="text"]'):
        name = field.get("name")
        if name and not any(data.get(name, [])):
            data[name] = ["Checked with the team."]
    if submitter is not None and submitter.get("name"):
        data.setdefault(submitter.get("name"), []).append(submitter.get("value", ""))
    return data


def _events(tenant: Any, in_tenant: Any) -> int:
    with in_tenant(tenant):
        return AuditEvent.objects.count()


@dataclass(frozen=True)
class Reached:
    """A listed form as its person sees it: what pressing its button would post, and where."""

    tenant: Any
    person: Any
    browser: BrowserClient
    form: Any
    submitter: Any
    target: str
    data: dict[str, list[str]]


def _reach(entry: Destructive, w: World, in_tenant: Any) -> Reached:
    tenant = w.aporg.tenant
    with in_tenant(tenant):
        person, page, where = entry.reach(w)
    browser = _signed_in(tenant, person)
    shown = browser.get(page)
    assert shown.status_code == 200, (page, shown.status_code)
    forms = lxml.html.fromstring(shown.content.decode()).xpath(where)
    assert len(forms) == 1, (page, where, len(forms))
    form = forms[0]
    buttons = form.xpath(".//button[@data-confirm][following-sibling::*[1][self::dialog]]")
    submitter = buttons[0] if buttons else None
    target = (submitter.get("hx-post") if submitter is not None else None) or form.get("action")
    data = _form_data(form, submitter)
    data.update({name: [value] for name, value in entry.choose})
    data.pop("confirmation", None)
    return Reached(tenant, person, browser, form, submitter, target or page, data)


ENTRIES = {"argnames": "entry", "argvalues": CONFIRMED, "ids": lambda d: f"{d.template}:{d.word}"}


@pytest.mark.parametrize(**ENTRIES)
def test_the_action_waits_for_the_confirmation(
    entry: Destructive,
    aporg: Any,
    sorg: Any,
    receive: Any,
    sanctions: Any,
    in_tenant: Any,
    settings: Any,
) -> None:
    settings.INVOICE_MAIL_TRUSTED_AUTHSERV_IDS = ["mx.spendgate.test"]
    reached = _reach(entry, World(aporg=aporg, sorg=sorg, receive=receive), in_tenant)
    tenant, browser, form, target = reached.tenant, reached.browser, reached.form, reached.target

    # (1) the form carries the confirm component: a data-confirm button with its dialog, or it
    # sits in a confirmation step of its own
    assert reached.submitter is not None or form.xpath("ancestor::*[@data-confirm-step]"), entry
    if reached.submitter is not None:
        dialog = reached.submitter.getnext()
        assert dialog.xpath(".//*[@data-confirm-yes]") and dialog.xpath(".//*[@data-confirm-no]")
        assert " ".join(dialog.text_content().split()), "the dialog says what will happen"
    view = resolve(target.split("?")[0]).func
    step = _declared_steps()[(entry.view, entry.when)]
    assert view.__name__ == entry.view and step in view.confirmations  # type: ignore[attr-defined]

    # (2) without the confirmation: the step (the view's own review page where it has one), and
    # nothing written
    before = _events(tenant, in_tenant)
    asked = browser.post(target, reached.data)
    where = target
    if step.review:
        where = target.split("?")[0] + step.review
        assert (asked.status_code, asked.get("Location")) == (302, where), asked.status_code
        asked = browser.get(where)
    assert asked.status_code == 200, (target, asked.status_code)
    page = lxml.html.fromstring(asked.content.decode())
    assert page.xpath("//*[@data-confirm-step]"), asked.content.decode()[-1500:]
    assert _events(tenant, in_tenant) == before, "nothing may change before the confirmation"

    # ... with it (the step's own form, as without JavaScript): the action is carried out
    [again] = page.xpath("//*[@data-confirm-step]//form")
    assert again.xpath('.//input[@name="confirmation"][@value="given"]')
    done = browser.post(again.get("action") or where, _form_data(again))
    assert done.status_code in (200, 302), done.status_code
    assert _events(tenant, in_tenant) > before, (target, done.content.decode()[-1500:])


def _role_without(capabilities: tuple[str, ...]) -> str:
    """A staff role holding none of `capabilities` (not the auditor, whom a guard of its own
    refuses every write)."""
    from apps.accounts.roles import AUDITOR, ROLE_CAPABILITIES, SUPPLIER

    for role, held in ROLE_CAPABILITIES.items():
        if role not in (AUDITOR, SUPPLIER) and not {f"accounts.{c}" for c in held} & set(
            capabilities
        ):
            return role
    raise AssertionError(f"every role holds one of {capabilities}")


@pytest.mark.parametrize(**ENTRIES)
def test_a_person_without_the_capability_is_refused_before_the_step(
    entry: Destructive,
    aporg: Any,
    sorg: Any,
    receive: Any,
    sanctions: Any,
    in_tenant: Any,
    settings: Any,
) -> None:
    """The step never asks someone who could not carry the action out (the requester who posts
    a run's cancellation): the refusal comes first, and nothing changes."""
    settings.INVOICE_MAIL_TRUSTED_AUTHSERV_IDS = ["mx.spendgate.test"]
    reached = _reach(entry, World(aporg=aporg, sorg=sorg, receive=receive), in_tenant)
    step = _declared_steps()[(entry.view, entry.when)]
    role = _role_without(step.capabilities)
    with in_tenant(reached.tenant):
        outsider = _person(f"outsider-{role}@a.test", [role])
    browser = _signed_in(reached.tenant, outsider)

    before = _events(reached.tenant, in_tenant)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        refused = browser.post(reached.target, reached.data, **headers)
        assert refused.status_code in (403, 404), (role, reached.target, refused.status_code)
        assert b"data-confirm-step" not in refused.content
    assert _events(reached.tenant, in_tenant) == before, "a refusal changes nothing"


def test_an_htmx_post_without_the_confirmation_shows_the_step_in_place(
    org: Any, in_tenant: Any
) -> None:
    """Should the dialog not run, an HTMX button gets the step in the page's main area (not in
    the table row it targets), and nothing changes."""
    with in_tenant(org.tenant):
        requisition, task = world.pending(org.requester)
        assignee = task.assignee
    browser = _signed_in(org.tenant, assignee)
    before = _events(org.tenant, in_tenant)
    answer = browser.post(
        f"/tasks/{task.pk}/reject/", {"comment": "Too dear."}, HTTP_HX_REQUEST="true"
    )
    assert (answer["HX-Retarget"], answer["HX-Reswap"]) == ("main", "innerHTML")
    assert b'data-testid="confirm-step"' in answer.content and b"<html" not in answer.content
    assert b'name="comment" value="Too dear."' in answer.content
    assert _events(org.tenant, in_tenant) == before
    with in_tenant(org.tenant):
        requisition.refresh_from_db()
        assert requisition.status == "pending_approval"

    # the step's form posts without HTMX: the decision is taken, and the inbox is shown again
    step = lxml.html.fromstring(answer.content.decode())
    [form] = step.xpath('//*[@data-testid="confirm-step"]//form')
    done = browser.post(form.get("action"), _form_data(form))
    assert (done.status_code, done["Location"]) == (302, "/tasks/")
    with in_tenant(org.tenant):
        requisition.refresh_from_db()
        assert requisition.status == "rejected"


def test_the_exception_page_asks_for_the_resolutions_the_view_declares(
    aporg: Any, receive: Any, in_tenant: Any, monkeypatch: Any
) -> None:
    """The page's dialog asks for the resolutions the view's steps name, not a copy of them."""
    from apps.invoices import views

    with in_tenant(aporg.tenant):
        exception = world.price_exception(aporg, receive, "INV-CONFIRM-2")
    browser = _signed_in(aporg.tenant, aporg.clerk)

    def asked() -> set[str]:
        page = lxml.html.fromstring(browser.get(f"/exceptions/{exception.pk}/").content.decode())
        [button] = page.xpath('//form[@data-testid="resolve-form"]//button[@data-confirm]')
        return set(button.get("data-confirm-values", "").split())

    steps = views.exception_detail.confirmations  # type: ignore[attr-defined]
    declared = {step.when["resolution"] for step in steps}
    assert asked() == declared == {
        "reject_invoice", "override", "accept_variance", "release_duplicate"
    }  # fmt: skip
    fewer = tuple(step for step in steps if step.when["resolution"] != "override")
    monkeypatch.setattr(views.exception_detail, "confirmations", fewer)
    assert asked() == declared - {"override"}
