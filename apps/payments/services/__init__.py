"""Writes of paying: runs (proposal, release, confirmation, cancellation) at the bottom, then
statements (which confirm runs) and erp (what an ERP reports paid, which drops an invoice from
proposed runs); paying_accounts stands apart. Tasks, views and the API import these; nothing
here imports them."""
