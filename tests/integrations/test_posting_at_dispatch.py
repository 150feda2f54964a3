"""A matched batch writes its `invoice.approved` events without their posting data; the
dispatcher fills it in once, in the transaction that takes the events, before any delivery is
made: a webhook receiver gets each invoice's own posting data, the same as the ERP export's,
and every attempt of a delivery sends the same body."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from apps.events.completion import completions, outbox_complete
from apps.events.event_types import EVENT_TYPES
from apps.events.models import OutboxEvent
from apps.integrations.services.endpoints import endpoint_create
from apps.integrations.tasks import dispatch_outbox
from apps.invoices.models import Invoice
from apps.invoices.posting import posting_of
from tests.integrations.conftest import Receiver

pytestmark = pytest.mark.django_db


def _batch(aporg: Any, receive: Any) -> list[Any]:
    """Three invoices matched in one batch; the last above its order's price (held)."""
    from apps.invoices.services.receive import invoice_create
    from apps.matching.services.outcome import invoices_match
    from tests.invoices.conftest import invoice_body, make_order, validated

    ids = []
    for i, price in enumerate(("10.00", "11.00", "12.00")):
        order = make_order(aporg, [("Item A", "2", price)])
        receive(aporg, order, {1: "2"})
        prices = {1: "20.00"} if i == 2 else None
        body = invoice_body(order, number=uuid.uuid4().hex[:12], prices=prices)
        ids.append(invoice_create(actor=aporg.clerk, data=validated(body)).pk)
    invoices_match(invoice_ids=ids)
    return ids


def test_a_matched_batch_reaches_the_receiver_with_each_invoices_posting_data(
    aporg: Any, receive: Any, receiver: Receiver, in_tenant: Any
) -> None:
    with in_tenant(aporg.tenant):
        with transaction.atomic():
            _endpoint, secret = endpoint_create(
                actor=aporg.org.admin,
                data={"url": receiver.url, "event_types": ["invoice.approved"]},
            )
        ids = _batch(aporg, receive)
        written = OutboxEvent.objects.filter(event_type="invoice.approved")
        assert {e.subject_id: e.payload["posting"] for e in written} == {
            str(pk): None for pk in ids[:2]
        }
        dispatch_outbox()
        filled = {
            e.subject_id: e.payload["posting"]
            for e in OutboxEvent.objects.filter(event_type="invoice.approved")
        }
        expected = posting_of(ids[:2])
        held = Invoice.objects.get(pk=ids[2]).status
    assert filled == expected and len(filled) == 2 and held == "exception"
    assert [filled[str(pk)]["lines"][0]["unit_price"] for pk in ids[:2]] == ["10", "11"]
    received = {}
    for headers, body, _path in receiver.got:
        document = Webhook(secret).verify(body, headers)
        received[document["data"]["id"]] = document["data"]["posting"]
    assert received == expected


def test_only_the_fields_left_null_are_filled_and_a_gone_subject_keeps_null(
    aporg: Any, receive: Any, in_tenant: Any
) -> None:
    """An approval by a person carries its posting data already (nothing to fill); an event
    whose invoice is unknown, or whose subject is not an invoice id at all, keeps null rather
    than another's data, and the others of the batch are filled all the same."""
    with in_tenant(aporg.tenant):
        ids = _batch(aporg, receive)
        events = list(OutboxEvent.objects.filter(event_type="invoice.approved"))
        first = next(e for e in events if e.subject_id == str(ids[0]))
        first.payload["posting"] = {"kept": True}
        OutboxEvent.objects.filter(pk=first.pk).update(payload=first.payload)
        stray, unreadable = (
            OutboxEvent.objects.create(
                event_type="invoice.approved",
                subject_type="invoice",
                subject_id=subject,
                payload={**events[1].payload, "posting": None},
            )
            for subject in (str(uuid.uuid4()), "INV-not-an-id")
        )
        with transaction.atomic():
            assert outbox_complete([*events, stray, unreadable]) == 1
        stored = {
            e.subject_id: e.payload["posting"]
            for e in OutboxEvent.objects.filter(event_type="invoice.approved")
        }
        expected = posting_of([ids[1]])[str(ids[1])]
    assert stored[str(ids[0])] == {"kept": True}
    assert stored[str(ids[1])] == expected
    assert stored[stray.subject_id] is None and stored[unreadable.subject_id] is None


def test_every_field_left_to_dispatch_has_its_reader() -> None:
    """A field an event type leaves to the dispatcher is filled by the context that owns it:
    none is left null for ever."""
    named = {(t, f) for t, kind in EVENT_TYPES.items() for f in kind.completed_at_dispatch}
    registered = {(t, c.field) for t, c in completions().items()}
    assert named == registered == {("invoice.approved", "posting")}
