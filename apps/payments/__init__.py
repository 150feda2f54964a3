"""Paying invoices: payment runs (proposal, release under segregation of duties, pain.001),
the bank's statements that confirm them (camt.053 / camt.054), bank days, the accounts a legal
entity pays from, and what an ERP reports paid (`payment.executed`)."""
