"""Contracts: the register of supplier contracts (validity, coverage, value cap, signed
document, amendments), their contracted catalog, spend against each contract, and renewal
alerts. Requisitions link a contract here; the policy's `on_contract` is decided here."""
