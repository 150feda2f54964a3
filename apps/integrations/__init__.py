"""Integrations: the transactional outbox of domain events, Idempotency-Key replay for API
POSTs, and (later) signed webhook delivery."""
