"""Reads of e-mail intake: the kept messages. A mail has no legal entity of its own; the
invoices it filed do (their orders'). An actor limited to legal entities reads the mails that
filed invoices of theirs and none of another entity's."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from apps.controls.entities import entity_limit, within_entities
from apps.invoices.models import Invoice

from .models import MailMessage

# the ids of the invoices a mail filed, from its attachments' descriptions
_FILED = "jsonb_path_query_array({table}.attachments, '$[*].invoices[*].id')"


def mail_messages(actor: Any, *, status: str | None = None) -> QuerySet[MailMessage]:
    mails = MailMessage.objects.order_by("-received_at", "pk")
    if status:
        mails = mails.filter(status=status)
    if entity_limit(actor) is None:
        return mails
    filed = _FILED.format(table=MailMessage._meta.db_table)
    inside, params = (
        within_entities(Invoice.objects.all(), actor, field="purchase_order__legal_entity")
        .values("pk")
        .query.sql_with_params()
    )
    # constant text around the ORM's own compiled subquery; its values go as parameters
    only_inside = RawSQL(  # noqa: S611
        f"jsonb_array_length({filed}) > 0 AND NOT EXISTS ("  # noqa: S608
        f"SELECT 1 FROM jsonb_array_elements_text({filed}) AS filed(id) "
        f"WHERE filed.id::uuid NOT IN ({inside}))",
        params,
        output_field=BooleanField(),
    )
    return mails.filter(only_inside)
