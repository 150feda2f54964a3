"""Writes of accounts payable, one module per concern. Modules import one way: the shared
pieces at the bottom (transitions, announcements, exceptions, checks), then closing ←
credit_notes ← receive and resolutions; escalation stands apart. Matching is apps.matching,
which closing asks for a match again through invoices.matcher; paying is apps.payments.
Tasks, views and the API import these; nothing here imports them."""
