"""Writes on contracts: the register (register.py), spend against a contract (spend.py), the
contracted catalog (catalog.py) and renewal alerts (renewals.py)."""

from .register import contract_route_approved, contract_route_rejected, contract_summaries

__all__ = ["contract_route_approved", "contract_route_rejected", "contract_summaries"]
