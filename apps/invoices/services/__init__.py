"""Writes of accounts payable, one module per concern. Modules import one way: the shared
pieces at the bottom (transitions, announcements, exceptions, checks), then outcome (matching's
outcome) ← closing ← credit_notes ← receive and resolutions; escalation stands apart
(paying: apps.payments). Tasks, views and the API import these; nothing here imports them."""
