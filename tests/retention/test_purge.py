"""The nightly purge: what has passed its period goes with everything of it, what a legal hold
keeps stays, and each run is recorded (PurgeRun per kind, one audit event) while the audit
trail itself is never purged and still verifies."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.invoices.models import Invoice, InvoiceLine, LineMatch
from apps.payments.models import Payment, PaymentRun
from apps.retention.models import PurgeRun
from apps.retention.services.holds import legal_hold_place, legal_hold_release
from apps.suppliers.models import Supplier
from tests import world

from .conftest import dated_invoice, purge, years_ago

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_factors")]


def test_an_expired_invoice_goes_with_everything_of_it_and_a_recent_one_stays(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        old = dated_invoice(aporg, receive, "OLD-1", on=years_ago(11))
        recent = dated_invoice(aporg, receive, "NEW-1", on=years_ago(9))
        lines = list(InvoiceLine.objects.filter(invoice=old).values_list("pk", flat=True))
        assert lines and LineMatch.objects.filter(line_id__in=lines).exists()
        trail = AuditEvent.objects.count()

        runs = purge()

        assert not Invoice.objects.filter(pk=old.pk).exists()
        assert not InvoiceLine.objects.filter(pk__in=lines).exists()
        assert not LineMatch.objects.filter(line_id__in=lines).exists()
        assert Invoice.objects.filter(pk=recent.pk).exists()
        run = runs["invoices"]
        assert run.purged == 1 and run.purged_ids == [str(old.pk)]
        assert run.deleted["invoices.Invoice"] == 1
        assert run.deleted["invoices.InvoiceLine"] == len(lines)
        assert run.cutoff["DE"] == f"{timezone.localdate().year - 10}-01-01"
        assert PurgeRun.objects.filter(run_id=run.run_id).count() == len(runs)
        # the trail is only added to: one event for the run, naming the records by id
        assert AuditEvent.objects.count() == trail + 1
        event = AuditEvent.objects.get(action="retention.purged")
        assert event.subject_id == str(run.run_id) and event.actor == "system:retention"
        assert event.data["invoices"]["purged"] == 1
        assert AuditEvent.objects.filter(subject_type="invoice", subject_id=str(old.pk)).exists()
        chain = audit_chain_verify()
        assert chain.valid and chain.first_bad is None


def test_germany_keeps_ten_years_and_the_united_states_seven(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        german = dated_invoice(aporg, receive, "DE-8", on=years_ago(8), entity="DE01")
        american = dated_invoice(aporg, receive, "US-8", on=years_ago(8), entity="US01")
        purge()
        assert Invoice.objects.filter(pk=german.pk).exists()
        assert not Invoice.objects.filter(pk=american.pk).exists()


def test_legal_holds_keep_a_supplier_an_invoice_and_a_period(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        other = Supplier.objects.create(
            name="Fabrikam AG", country="DE", status=Supplier.Status.APPROVED
        )
        by_supplier = dated_invoice(aporg, receive, "H-1", on=years_ago(12), supplier=other)
        by_invoice = dated_invoice(aporg, receive, "H-2", on=years_ago(12))
        in_period = dated_invoice(aporg, receive, "H-3", on=years_ago(13))
        free = dated_invoice(aporg, receive, "H-4", on=years_ago(12))
        who = aporg.compliance
        legal_hold_place(actor=who, scope="supplier", supplier=str(other.pk), reason="Lawsuit")
        legal_hold_place(actor=who, scope="invoice", invoice=str(by_invoice.pk), reason="Audit")
        legal_hold_place(
            actor=who,
            scope="period",
            period_from=years_ago(13) - timedelta(days=5),
            period_to=years_ago(13) + timedelta(days=5),
            legal_entity="DE01",
            reason="Tax audit of that year",
        )

        run = purge()["invoices"]

        for held in (by_supplier, by_invoice, in_period):
            assert Invoice.objects.filter(pk=held.pk).exists(), held.invoice_number
        assert not Invoice.objects.filter(pk=free.pk).exists()
        assert run.held_back_reasons == {"legal_hold": 3} and run.purged == 1


def test_a_period_hold_of_another_legal_entity_does_not_keep(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        invoice = dated_invoice(aporg, receive, "P-1", on=years_ago(12))
        legal_hold_place(
            actor=aporg.compliance,
            scope="period",
            period_from=years_ago(13),
            period_to=years_ago(11),
            legal_entity="US01",
            reason="US audit",
        )
        purge()
        assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_released_hold_lets_the_next_run_purge(aporg: Any, receive: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        invoice = dated_invoice(aporg, receive, "R-1", on=years_ago(12))
        hold = legal_hold_place(
            actor=aporg.compliance, scope="invoice", invoice=str(invoice.pk), reason="Dispute"
        )
        purge()
        assert Invoice.objects.filter(pk=invoice.pk).exists()
        legal_hold_release(actor=aporg.compliance, hold_id=hold.pk, reason="Settled")
        purge()
        assert not Invoice.objects.filter(pk=invoice.pk).exists()
        hold.refresh_from_db()
        assert hold.status == "released" and hold.subject_label == "R-1"


def test_payment_evidence_keeps_its_invoice_until_both_have_passed(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        run = world.released_run(aporg, receive, "PAID-1")
        [invoice_id] = run.payments.values_list("invoice_id", flat=True)
        Invoice.objects.filter(pk=invoice_id).update(invoice_date=years_ago(12))

        first = purge()
        assert Invoice.objects.filter(pk=invoice_id).exists()
        assert first["invoices"].held_back_reasons == {"payment_evidence_kept": 1}

        PaymentRun.objects.filter(pk=run.pk).update(execution_date=years_ago(12))
        second = purge()
        assert not PaymentRun.objects.filter(pk=run.pk).exists()
        assert not Payment.objects.filter(invoice_id=invoice_id).exists()
        assert not Invoice.objects.filter(pk=invoice_id).exists()
        assert second["payment_evidence"].purged == 1
        assert second["payment_evidence"].deleted["payments.Payment"] == 1
        assert audit_chain_verify().valid


def test_a_held_invoice_keeps_its_payment_run(aporg: Any, receive: Any, in_tenant: Any) -> None:
    with in_tenant(aporg.tenant):
        run = world.released_run(aporg, receive, "PAID-2")
        [invoice_id] = run.payments.values_list("invoice_id", flat=True)
        Invoice.objects.filter(pk=invoice_id).update(invoice_date=years_ago(12))
        PaymentRun.objects.filter(pk=run.pk).update(execution_date=years_ago(12))
        legal_hold_place(
            actor=aporg.compliance, scope="invoice", invoice=str(invoice_id), reason="Fraud case"
        )
        runs = purge()
        assert PaymentRun.objects.filter(pk=run.pk).exists()
        assert Invoice.objects.filter(pk=invoice_id).exists()
        assert runs["payment_evidence"].held_back_reasons == {"legal_hold": 1}


def test_quarantined_mail_is_kept_thirty_days(aporg: Any, in_tenant: Any) -> None:
    from apps.inbox.models import MailMessage
    from apps.inbox.services import mail_receive

    with in_tenant(aporg.tenant):
        mails = []
        for n, age in ((1, 31), (2, 29)):
            raw = (
                f"From: x@unknown.test\r\nMessage-ID: <q-{n}@unknown.test>\r\n"
                "Subject: hi\r\n\r\nhello"
            ).encode()
            mail = mail_receive(raw=raw, source="api")
            assert mail.status == MailMessage.Status.QUARANTINED
            MailMessage.objects.filter(pk=mail.pk).update(
                received_at=timezone.now() - timedelta(days=age)
            )
            mails.append(mail)
        run = purge()["mail_quarantine"]
        assert not MailMessage.objects.filter(pk=mails[0].pk).exists()
        assert MailMessage.objects.filter(pk=mails[1].pk).exists()
        assert run.purged == 1


def test_rejected_supplier_applications_go_after_a_year_unless_held(
    aporg: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        long_ago = timezone.now() - timedelta(days=400)
        rejected = [
            Supplier.objects.create(
                name=name, country="DE", status=Supplier.Status.REJECTED, decided_at=long_ago
            )
            for name in ("Gone GmbH", "Held GmbH")
        ]
        recent = Supplier.objects.create(
            name="Recent GmbH", country="DE", status=Supplier.Status.REJECTED,
            decided_at=timezone.now() - timedelta(days=100),
        )  # fmt: skip
        legal_hold_place(
            actor=aporg.compliance, scope="supplier", supplier=str(rejected[1].pk), reason="Claim"
        )
        run = purge()["rejected_supplier_applications"]
        assert not Supplier.objects.filter(pk=rejected[0].pk).exists()
        assert Supplier.objects.filter(pk__in=[rejected[1].pk, recent.pk]).count() == 2
        assert run.purged == 1 and run.held_back_reasons == {"legal_hold": 1}


def test_ended_sessions_and_tokens_go_after_their_period(
    aporg: Any, in_tenant: Any, make_user: Any
) -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from rest_framework.authtoken.models import Token

    leaver = make_user(aporg.tenant, "leaver", ["requester"])
    with in_tenant(aporg.tenant):
        old, fresh = SessionStore(), SessionStore()
        old.create()
        fresh.create()
        Session.objects.filter(session_key=old.session_key).update(
            expire_date=timezone.now() - timedelta(days=91)
        )
        token = Token.objects.create(user=leaver)
        Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=200))
        type(leaver).objects.filter(pk=leaver.pk).update(is_active=False)
        run = purge()["sessions_and_tokens"]
        assert not Session.objects.filter(session_key=old.session_key).exists()
        assert Session.objects.filter(session_key=fresh.session_key).exists()
        assert not Token.objects.filter(pk=token.pk).exists()
        assert run.deleted["sessions.Session"] == 1 and run.deleted["authtoken.Token"] == 1


def test_a_hold_in_another_tenant_keeps_nothing_here(
    aporg: Any, receive: Any, in_tenant: Any, tenant_b: Any, make_user: Any
) -> None:
    officer = make_user(tenant_b, "compliance", ["compliance"])
    with in_tenant(tenant_b):
        legal_hold_place(
            actor=officer,
            scope="period",
            period_from=years_ago(30),
            period_to=years_ago(0),
            reason="Everything of tenant B",
        )
    with in_tenant(aporg.tenant):
        invoice = dated_invoice(aporg, receive, "ISO-1", on=years_ago(12))
        purge()
        assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_the_command_shows_what_would_go_and_deletes_nothing_on_a_dry_run(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        invoice = dated_invoice(aporg, receive, "DRY-1", on=years_ago(12))
        before = AuditEvent.objects.count(), PurgeRun.objects.count()
    out = StringIO()
    call_command("retention_purge", "--tenant", aporg.tenant.slug, "--dry-run", stdout=out)
    assert "invoices: would purge 1" in out.getvalue()
    assert "Dry run: nothing was deleted." in out.getvalue()
    with in_tenant(aporg.tenant):
        assert Invoice.objects.filter(pk=invoice.pk).exists()
        assert (AuditEvent.objects.count(), PurgeRun.objects.count()) == before
    call_command("retention_purge", "--tenant", aporg.tenant.slug, stdout=out)
    assert "invoices: purged 1" in out.getvalue()
    with in_tenant(aporg.tenant):
        assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_bank_statement_goes_before_the_run_it_confirmed_and_the_invoice_last(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    from apps.payments.models import BankStatement, StatementEntry

    with in_tenant(aporg.tenant):
        run = world.released_run(aporg, receive, "CAMT-1")
        payment = run.payments.get()
        statement = BankStatement.objects.create(kind="camt.053", sha256="a" * 64)
        StatementEntry.objects.create(
            statement=statement, reference="E2E-1", amount=payment.amount, currency="EUR",
            outcome=StatementEntry.Outcome.MATCHED, payment=payment,
        )  # fmt: skip
        PaymentRun.objects.filter(pk=run.pk).update(execution_date=years_ago(12))
        Invoice.objects.filter(pk=payment.invoice_id).update(invoice_date=years_ago(12))

        kept = purge()  # the statement arrived today: it keeps the run, the run its invoice
        assert kept["payment_evidence"].held_back_reasons == {"bank_statement_kept": 1}
        assert Invoice.objects.filter(pk=payment.invoice_id).exists()

        BankStatement.objects.filter(pk=statement.pk).update(
            created_at=timezone.now().replace(year=years_ago(12).year)
        )
        runs = purge()
        assert not BankStatement.objects.filter(pk=statement.pk).exists()
        assert not PaymentRun.objects.filter(pk=run.pk).exists()
        assert not Invoice.objects.filter(pk=payment.invoice_id).exists()
        assert runs["payment_evidence"].deleted["payments.StatementEntry"] == 1
        assert runs["payment_evidence"].purged == 2 and runs["invoices"].purged == 1
