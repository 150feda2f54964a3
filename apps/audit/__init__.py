"""Audit: the append-only, hash-chained trail of who did what, and the request context
(request id, tenant, user) that audit events and structured logs carry."""
