"""Sandbox tenants: a client tenant's configuration (published policy, approval limits,
reference data, the roles in use) in a tenant of its own, with generated stand-ins for its
people and none of its suppliers, so a partner proves a policy change before it reaches the
client. The sandbox is marked on every page, its mail stays in the demo mail store and its
webhooks reach test receivers only (apps.tenancy.sandbox_mail, apps.integrations' guard)."""
