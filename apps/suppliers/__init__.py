"""Suppliers: the supplier master (status, risk tier) that requisitions, orders and invoices
point at. Onboarding, documents, bank details and screening build on it."""
