"""docs/events.md, written from the event types (`manage.py write_events_doc`), so the page and
what is sent cannot drift apart (a test compares them)."""

from __future__ import annotations

from django.utils import translation

from .event_types import EVENT_TYPES

INTRO = """\
# Events

Every change a service makes is written once, by `apps.events.services.event_record` (or its
batch form `event_record_many`), inside the service's transaction: the audit event in the
hash-chained trail and, for the types below, an event in the transactional outbox
(`events_outboxevent`). The outbox is what other systems hear of (webhooks, ERPs): an event
exists there if and only if its change committed.

- **Type** `<noun>.<verb>`; **payload** the fields listed, each type's own. Every payload
  has `id`, the id of the thing the type is named after. Money is a decimal string, times are
  ISO 8601, ids are strings.
- **Schema**: each type's payload shape has a number, stored with each outbox event
  (`OutboxEvent.schema`). Adding a field keeps the number; removing or retyping one is a new
  number.
- **Recorded as**: the audit action(s) of the trail event that announces it. Most types are
  their own audit action; a matched batch records `invoice.matched` per invoice and announces
  `invoice.approved`, the exceptions it raised and those it cleared under it.
- The event types are `apps/events/event_types.py`; this page is written from it by
  `manage.py write_events_doc`. `event_record` refuses a payload whose fields differ from the
  event types, and `tests/events/test_event_types.py` emits every type by a real action, checks
  it is emitted exactly once per action, and holds this page to the code.

Audit actions not listed here (drafts, comments, assignments, invitations, evidence packs,
tenant and user administration, …) stay in the trail only.
"""


def render() -> str:
    """The page, in English whatever the language of the caller (the event types' sentences
    are marked for translation: chat channels read them in the organisation's language)."""
    with translation.override("en"):
        fires = {code: str(kind.fires) for code, kind in EVENT_TYPES.items()}
    out = [INTRO, "\n| type | fires when |\n|---|---|\n"]
    for kind in EVENT_TYPES.values():
        out.append(f"| [`{kind.type}`](#{kind.type.replace('.', '')}) | {fires[kind.type]} |\n")
    for kind in EVENT_TYPES.values():
        emitted = ", ".join(f"`{path}`" for path in kind.emitted_by)
        recorded = ", ".join(f"`{action}`" for action in kind.recorded_as)
        when = fires[kind.type]
        out += [
            f"\n### `{kind.type}`\n\n",
            f"{when[0].upper()}{when[1:]}. Payload schema {kind.schema}; `id` is "
            f"the {kind.subject.replace('_', ' ')}'s.\n\n",
            f"Emitted by {emitted} (in `apps/`); recorded as {recorded}.\n\n",
            "| field | holds |\n|---|---|\n",
            *(f"| `{field}` | {holds} |\n" for field, holds in kind.fields.items()),
        ]
        if kind.completed_at_dispatch:
            named = ", ".join(f"`{field}`" for field in kind.completed_at_dispatch)
            out.append(
                f"\n{named}: a batch (a matched batch of invoices) writes it as null in the "
                "outbox and the dispatcher fills it in once, when it takes the event and before "
                "any delivery is made of it, from the same statement the ERP export reads; "
                "every delivery carries the same body. A subscriber never receives it null "
                "unless its subject is gone.\n"
            )
    return "".join(out)
