"""The supplier-behaviour score: a fixed seed on a fixed dataset flags the planted outlier with
its reasons; through intake, a high score is an exception for review that holds nothing (the
invoice is approved and proposed for payment) and is stored as advice; switched off, or below
200 invoices, nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.assistants.models import Advice, TrainedModel
from apps.assistants.signals import model
from apps.assistants.signals.features import Facts
from apps.assistants.signals.services import anomaly_train
from apps.invoices.models import Invoice
from apps.invoices.services.receive import invoice_create
from apps.invoices.services.resolutions import exception_resolve
from apps.matching.services.outcome import invoices_match
from apps.payments.services.runs import proposal_candidates
from apps.policies.models import PolicyVersion
from tests.invoices.conftest import invoice_body, make_order, validated


def usual(rng: random.Random) -> Facts:
    return Facts(
        supplier_age_days=rng.randint(200, 900),
        bank_change_days=None if rng.random() < 0.9 else rng.randint(90, 400),
        ratio=rng.uniform(0.8, 1.25),
        total=Decimal(rng.randint(5000, 90000)) / 100,
        hour=rng.randint(8, 17),
    )


PLANTED = Facts(
    supplier_age_days=3, bank_change_days=2, ratio=9.0, total=Decimal("25000.00"), hour=3
)


def test_the_planted_outlier_is_flagged_with_its_reasons() -> None:
    rng = random.Random(7)
    bundle = model.fit([usual(rng).vector() for _ in range(400)])
    scored = model.score(bundle, PLANTED)
    assert scored.score > 0.7
    assert [r["feature"] for r in scored.reasons] == [
        "supplier_age_days",
        "bank_change_days",
        "amount_jump",
        "round_amount",
        "hour_offset",
    ]
    assert scored.reasons[2]["text"] == "the amount is 9.0x the supplier's median"
    ordinary = model.score(bundle, usual(random.Random(99)))
    assert ordinary.score < 0.6 and ordinary.reasons == []
    same = random.Random(7)
    again = model.score(model.fit([usual(same).vector() for _ in range(400)]), PLANTED)
    assert again.score == scored.score  # a fixed seed: the same model


def _history(aporg: Any, n: int) -> None:
    rng = random.Random(3)
    Invoice.objects.bulk_create(
        Invoice(
            supplier=aporg.supplier,
            invoice_number=f"H-{i}",
            number_key=f"h{i}",
            invoice_date=timezone.localdate() - timedelta(days=n - i),
            currency="EUR",
            total=Decimal(rng.randint(4000, 6000)) / 100 + Decimal("0.37"),
            payable=Decimal("1"),
            channel=Invoice.Channel.API,
            status=Invoice.Status.PAID,
        )
        for i in range(n)
    )


def _policy(**sections: Any) -> None:
    current = PolicyVersion.objects.filter(status="published").order_by("-number").first()
    PolicyVersion.objects.filter(pk=current.pk).update(document={**current.document, **sections})


# the arrival checks' own amount and timing signals off: only the score speaks here
QUIET = {"amount_anomaly_sigma": 0, "early_invoice_share": 0}


def _big_invoice(aporg: Any, receive: Any, number: str, quantity: str = "5") -> Invoice:
    order = make_order(aporg, [("Server", quantity, "1000.00")])
    receive(aporg, order, {1: quantity})
    body = invoice_body(order, number=number, tax="0")
    invoice = invoice_create(actor=aporg.clerk, data=validated(body))
    invoices_match(invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    return invoice


def test_a_high_score_is_a_review_that_never_blocks_payment(
    aporg: Any, receive: Any, in_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with in_tenant(aporg.tenant):
        _policy(invoices=QUIET)
        _history(aporg, 150)
        assert anomaly_train() == {"trained": False, "samples": 150}  # cold start
        assert _big_invoice(aporg, receive, "COLD-1").exceptions.count() == 0
        _history(aporg, 60)
        assert anomaly_train()["trained"] is True
        invoice = _big_invoice(aporg, receive, "BIG-1", quantity="6")
        review = invoice.exceptions.get()
        assert (review.code, review.status, review.queue) == (
            "behaviour_anomaly",
            "open",
            "compliance",
        )
        assert "the amount is" in review.detail and "a round amount (6000.00)" in review.detail
        assert invoice.status == Invoice.Status.APPROVED  # held by nothing
        assert invoice in proposal_candidates(horizon_days=60)
        advice = Advice.objects.get(assistant="anomaly", subject_id=str(invoice.pk))
        assert advice.output["score"] == review.data["score"] > 0.7
        # compliance looks and finds nothing wrong: the score was a false alarm (overridden)
        with django_capture_on_commit_callbacks(execute=True):
            exception_resolve(
                actor=aporg.compliance,
                exception_id=review.pk,
                resolution="reviewed",
                comment="Six servers were ordered; the round amount is the order's.",
            )
        advice.refresh_from_db()
        assert (advice.status, advice.outcome_by) == ("overridden", aporg.compliance)


def test_switched_off_there_is_no_score_and_no_exception(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        _history(aporg, 210)
        anomaly_train()
        _policy(invoices=QUIET, assistants={"anomaly": {"enabled": False}})
        invoice = _big_invoice(aporg, receive, "BIG-2")
        assert invoice.exceptions.count() == 0
        assert not Advice.objects.filter(assistant="anomaly").exists()
        versions = TrainedModel.objects.count()
        assert anomaly_train()["trained"] is False and TrainedModel.objects.count() == versions
