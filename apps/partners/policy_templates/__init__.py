"""Policy templates: versioned approval policies a partner writes with each field locked or
local, their staged rollout to client tenants (a pilot first, then the rest) with a per-tenant
impact preview, and the drift of each client from the version it was last given."""
