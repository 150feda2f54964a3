"""Integrations: how other systems meet Spendgate. Webhooks deliver the outbox's events
(apps.events); ERP in (ERP connections, signed inbound events, the nightly reconciliation) and
ERP out (`invoices/export/`: approved invoices with their posting data, for ERPs that pull);
service-account keys and their scopes; Idempotency-Key replay for API POSTs."""
