"""Integrations: Idempotency-Key replay for API POSTs and the dispatcher that delivers the
outbox's events (apps.events) to other systems (signed webhooks, later)."""
