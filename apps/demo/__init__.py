"""Demo: seeds what `make demo` shows (CONTRACT §2) — partner Northwind Partners, the acme and
globex tenants with their brands, one user per role, reference data, suppliers in every state
of onboarding, a month of requisitions, orders, invoices and exceptions. It drives each
context through its own services, like the people of the demo would, so it sits above every
context; idempotent: running it again changes nothing."""
