"""Writes on suppliers, one module per concern. Modules import one way: the shared pieces at
the bottom (transitions, access, notices), then checks (the pipeline) ← screening, decisions,
onboarding, documents, banking (the bank-change control) and renewals (expiry alerts).
Tasks, views and the API import these; nothing here imports them."""
