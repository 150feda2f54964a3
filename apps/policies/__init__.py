"""Policies: versioned, per-tenant approval policies written as CEL conditions, the routing
they decide, segregation-of-duties rules, approval limits, and the policy tools."""
