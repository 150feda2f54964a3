"""Events: the one place a domain change is written down. `event_record` appends the change
to the audit trail and, when its type is one of the event types (docs/events.md), puts the event in
the transactional outbox in the same transaction, for webhooks and ERPs to hear of. A sink:
it imports no domain app, only the audit trail beneath it."""
