"""Business alerts: the conditions a tenant's admins must act on (a stale exception queue,
approvals past their SLA, a failing webhook endpoint or ERP connection, quarantined invoice
mail, a broken audit chain, an unconfirmed payment run), raised once per subject, sent by
e-mail and as `alert.raised`, and resolved when the condition clears. It reads every context
below it; nothing imports it."""
