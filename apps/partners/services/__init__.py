"""Writes of the partner's operating model, one module per area."""
