"""Tenancy: partners, their client tenants (one PostgreSQL schema each), domains, branding,
and the partner console. The only context that reads or switches the current schema."""
