"""Inbound ERP events and the daily reconciliation (docs/integrations.md)."""
