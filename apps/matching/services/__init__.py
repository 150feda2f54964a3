"""Writes of matching: `outcome` applies a matched batch (line results, exceptions raised or
cleared, each invoice's next status) and hands invoices above the policy's amount to
`approval`, whose route decisions come back through the hooks there."""
