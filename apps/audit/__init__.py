"""Audit: the append-only, hash-chained trail of who did what (record, chain, verify), and
the request context (request id, tenant, user) that audit events and structured logs carry.
A sink at the bottom of the layers: every context writes into it through apps.events, and it
imports none of them."""
