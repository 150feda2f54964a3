"""Sanctions lists (public schema, shared by every tenant): import of the official OFAC SDN
layout, name normalisation and fuzzy matching. Tenants keep their own screening hits."""
