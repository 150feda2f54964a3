"""Writes of the integrations context."""
