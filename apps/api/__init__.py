"""The HTTP API's shared contract: error bodies with `code` and `detail`, pagination, token
authentication and role-based permission checks used by every context's API."""
